package dev.invariant.worker.openai;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The framework's own errors in OpenAI's shape: an unknown route, a method a route does not have, and any other
 * HTTP error the REST layer raises before our code runs. Without this an OpenAI client gets an HTML page or an empty
 * body and shows only "404 status code (no body)".
 */
@ApplicationScoped
public class FrameworkErrors {

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, HttpServerRequest request) {
        return unknownUrl(request.method().name(), request.path());
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, HttpServerRequest request) {
        String use = request.path().startsWith("/v1/models") ? "GET" : "POST";
        return OpenAiErrors.of(405, OpenAiErrors.METHOD_NOT_ALLOWED, null, request.method().name()
                + " is not allowed on " + request.path() + ": use " + use);
    }

    @ServerExceptionMapper
    public Response notSupported(NotSupportedException e) {
        return OpenAiErrors.of(415, OpenAiErrors.UNSUPPORTED_MEDIA_TYPE, null,
                "the body must be JSON sent with Content-Type: application/json");
    }

    @ServerExceptionMapper
    public Response other(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return OpenAiErrors.of(status, "HTTP_" + status, null, e.getMessage());
    }

    /**
     * Paths the REST layer has no resource for at all are passed on to the router, whose default answer is an HTML
     * page: this last route answers them instead (health and metrics routes come earlier and are unaffected).
     */
    void fallback(@Observes Router router) {
        router.route().order(Integer.MAX_VALUE).handler(ctx -> {
            String body = OpenAiErrors.body(404, OpenAiErrors.UNKNOWN_URL, null, unknownUrlMessage(
                    ctx.request().method().name(), ctx.request().path())).toString();
            ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json").end(body);
        });
    }

    private static Response unknownUrl(String method, String path) {
        return OpenAiErrors.of(404, OpenAiErrors.UNKNOWN_URL, null, unknownUrlMessage(method, path));
    }

    private static String unknownUrlMessage(String method, String path) {
        String stored = path.startsWith("/v1/responses/") ? " (it stores no responses: POST /v1/responses answers"
                + " whole or streamed, and there is nothing to retrieve, cancel or delete)" : "";
        return "Invalid URL (" + method + " " + path + "): this server has GET /v1/models, POST /v1/completions,"
                + " POST /v1/chat/completions and POST /v1/responses" + stored;
    }
}
