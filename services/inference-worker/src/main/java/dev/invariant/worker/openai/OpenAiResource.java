package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.engine.Generations;
import dev.invariant.worker.kafka.CompletionMapper;
import dev.invariant.worker.kafka.Publisher;
import dev.invariant.worker.openai.OpenAiResponses.Kind;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The OpenAI-compatible API on the same engine as the Kafka intake: {@code /v1/models}, {@code /v1/completions},
 * {@code /v1/chat/completions}, streaming with {@code "stream": true}. Every request answered here is also
 * published to the completions topic, so the consistency monitor sees HTTP traffic too.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class OpenAiResource {
    private final EngineService engines;
    private final Generations generations;
    private final Publisher publisher;
    private final long startedAt = Instant.now().getEpochSecond();

    public OpenAiResource(EngineService engines, Generations generations, Publisher publisher) {
        this.engines = engines;
        this.generations = generations;
        this.publisher = publisher;
    }

    @GET
    @Path("/models")
    public ObjectNode models() {
        ObjectNode root = OpenAiResponses.JSON.createObjectNode().put("object", "list");
        root.putArray("data").addObject().put("id", engines.modelName()).put("object", "model")
                .put("created", startedAt).put("owned_by", "invariant")
                .put("numerics_profile", engines.profile().wireName())
                .put("max_model_len", engines.engine().core().model().config().maxPositionEmbeddings());
        return root;
    }

    @POST
    @Path("/completions")
    @Blocking
    public CompletionStage<Response> completions(JsonNode body) {
        return serve(Kind.COMPLETION, body);
    }

    @POST
    @Path("/chat/completions")
    @Blocking
    public CompletionStage<Response> chat(JsonNode body) {
        return serve(Kind.CHAT, body);
    }

    private CompletionStage<Response> serve(Kind kind, JsonNode body) {
        long arrived = System.nanoTime();
        String id = (kind == Kind.CHAT ? "chatcmpl-" : "cmpl-") + UUID.randomUUID();
        long created = Instant.now().getEpochSecond();
        String model = body == null ? "" : body.path("model").asText("");
        String name = model.isEmpty() ? engines.modelName() : model;
        Request r;
        try {
            r = kind == Kind.CHAT ? OpenAiRequests.chat(id, body, engines) : OpenAiRequests.completion(id, body, engines);
        } catch (EngineException e) {
            var rejected = generations.rejected(id, e, arrived);
            publisher.completion(CompletionMapper.toRecord(rejected.result(), model, engines, rejected.beforeEngineMs()), null);
            return CompletableFuture.completedFuture(OpenAiResponses.error(e));
        }
        if (!engines.admission().tryAcquire()) {
            return CompletableFuture.completedFuture(OpenAiResponses.error(new EngineException(ErrorCode.OVERLOADED,
                    engines.admission().limit() + " requests are in flight on this worker: retry later")));
        }
        SseStream sse = OpenAiRequests.stream(body) ? new SseStream(kind, id, name, created) : null;
        CompletableFuture<Generations.Finished> done;
        try {
            done = generations.run(r, sse == null ? TokenListener.NONE : sse, arrived);
        } catch (RuntimeException e) {
            engines.admission().release();
            throw e;
        }
        done = done.whenComplete((f, e) -> {
            engines.admission().release();
            if (f != null) {
                publisher.completion(CompletionMapper.toRecord(f.result(), model, engines, f.beforeEngineMs()), null);
            }
        });
        if (sse != null) {
            done.thenAccept(f -> sse.finish(f.result()));
            return CompletableFuture.completedFuture(Response.ok(sse).type("text/event-stream")
                    .header("Cache-Control", "no-cache").build());
        }
        return done.thenApply(f -> f.result().ok()
                ? Response.ok(OpenAiResponses.full(kind, id, name, created, f.result())).build()
                : OpenAiResponses.error(f.result().error()));
    }
}
