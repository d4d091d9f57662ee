package dev.invariant.schemas.registry;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the registry is and how to talk to it.
 *
 * @param baseUrl        root of the Confluent-compatible API, e.g. {@code http://127.0.0.1:8081} for Confluent
 *                       Schema Registry, Karapace or Redpanda, {@code http://host:port/apis/ccompat/v7} for Apicurio
 * @param requestTimeout per HTTP request
 * @param basicAuth      {@code user:password} for HTTP basic authentication, or null for none
 */
public record RegistryConfig(URI baseUrl, Duration requestTimeout, String basicAuth) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public RegistryConfig {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("schema registry URL '" + baseUrl
                    + "' must start with http:// or https:// (e.g. http://127.0.0.1:8081/apis/ccompat/v7)");
        }
        if (baseUrl.getHost() == null) {
            throw new IllegalArgumentException("schema registry URL '" + baseUrl + "' has no host");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("registry request timeout must be positive, got " + requestTimeout);
        }
        if (basicAuth != null && !basicAuth.contains(":")) {
            throw new IllegalArgumentException("registry basic auth must be 'user:password'");
        }
        // Paths are appended to the base: drop trailing slashes so they never double up.
        String s = baseUrl.toString();
        while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
        baseUrl = URI.create(s);
    }

    public static RegistryConfig of(String baseUrl) {
        return new RegistryConfig(URI.create(baseUrl), DEFAULT_TIMEOUT, null);
    }
}
