package dev.invariant.worker.security;

import dev.invariant.worker.config.WorkerConfig;
import dev.invariant.worker.openai.OpenAiErrors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * With {@code invariant.http.api-key} set, every {@code /v1/*} call (and vLLM's {@code /tokenize},
 * {@code /detokenize}) must carry {@code Authorization: Bearer <key>} (what OpenAI's SDKs send from their
 * {@code api_key}); otherwise it gets OpenAI's 401 shape. Health and metrics ({@code /q/*}, {@code /health},
 * {@code /version}, {@code /metrics}) stay open for probes and Prometheus.
 */
@ApplicationScoped
public class ApiKeyFilter {
    public static final String INVALID_API_KEY = "INVALID_API_KEY";
    private static final String BEARER = "Bearer ";
    /** vLLM's liveness, version and metrics endpoints: open, as vLLM leaves them, for probes that hold no key. */
    private static final java.util.Set<String> OPEN = java.util.Set.of("/health", "/version", "/metrics");

    private final byte[] key;

    public ApiKeyFilter(WorkerConfig config) {
        this.key = config.http().apiKey().map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext request) {
        if (key == null || OPEN.contains(request.getUriInfo().getPath())) return Optional.empty();
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.of(refuse("no API key: send the header 'Authorization: Bearer <key>' (the worker's"
                    + " invariant.http.api-key)"));
        }
        byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        // Constant time: the comparison does not reveal how much of the key was right.
        if (!MessageDigest.isEqual(given, key)) {
            return Optional.of(refuse("incorrect API key provided"));
        }
        return Optional.empty();
    }

    private static Response refuse(String message) {
        return Response.fromResponse(OpenAiErrors.of(401, INVALID_API_KEY, null, message))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
    }
}
