package dev.invariant.monitor.query;

import dev.invariant.monitor.MonitorConfig;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Optional HTTP basic authentication of the dashboard and its API ({@code invariant.dashboard.basic-auth}); health
 * and metrics ({@code /q/...}) stay open for probes and scrapers. Off when the property is not set.
 */
@ApplicationScoped
public class BasicAuthFilter {
    @Inject
    MonitorConfig config;

    void register(@Observes Filters filters) {
        filters.register(this::check, 100);
    }

    void check(RoutingContext rc) {
        var expected = config.dashboard().basicAuth();
        HttpServerRequest req = rc.request();
        // The path as routed (dot segments resolved, %2e decoded), not as sent: "/q/../api/overview" is the API.
        if (expected.isEmpty() || rc.normalizedPath().startsWith("/q/")) {
            rc.next();
            return;
        }
        String want = "Basic " + Base64.getEncoder().encodeToString(expected.get().getBytes(StandardCharsets.UTF_8));
        String got = req.getHeader("Authorization");
        if (got != null && MessageDigest.isEqual(want.getBytes(StandardCharsets.UTF_8), got.getBytes(StandardCharsets.UTF_8))) {
            rc.next();
            return;
        }
        rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"invariant\"").end();
    }
}
