package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.text.TokenTexts;
import dev.invariant.engine.text.Tokenizer;
import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.engine.Generations;
import dev.invariant.worker.kafka.Completions;
import dev.invariant.worker.openai.OpenAiResponses.Answer;
import dev.invariant.worker.openai.OpenAiResponses.Kind;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import org.jboss.resteasy.reactive.server.Cancellable;

/**
 * The OpenAI-compatible API on the same engine as the Kafka intake: {@code /v1/models}, {@code /v1/completions},
 * {@code /v1/chat/completions}, {@code /v1/responses}, streaming with {@code "stream": true}. Every generation request answered here is
 * also published to the completions topic, so the consistency monitor sees HTTP traffic too. The body is read
 * by {@link JsonBody}.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class OpenAiResource {
    /** vLLM's header for a client's own request id ({@link OpenAiRequests#id}). */
    static final String REQUEST_ID = "X-Request-Id";
    private final EngineService engines;
    private final Generations generations;
    private final Completions completions;
    private final long startedAt = Instant.now().getEpochSecond();

    public OpenAiResource(EngineService engines, Generations generations, Completions completions) {
        this.engines = engines;
        this.generations = generations;
        this.completions = completions;
    }

    @GET
    @Path("/models")
    public ObjectNode models() {
        ObjectNode root = OpenAiResponses.JSON.createObjectNode().put("object", "list");
        root.putArray("data").add(model());
        return root;
    }

    @GET
    @Path("/models/{id}")
    public Response model(@PathParam("id") String id) {
        if (!engines.serves(id) || id.isEmpty()) {
            return OpenAiErrors.of(new EngineException(ErrorCode.UNKNOWN_MODEL, "model", "the model '" + id
                    + "' does not exist here: this worker serves '" + engines.modelName() + "'"));
        }
        return Response.ok(model()).build();
    }

    /** vLLM's model card: max_model_len is what the context rule is checked against. */
    private ObjectNode model() {
        return OpenAiResponses.JSON.createObjectNode().put("id", engines.modelName()).put("object", "model")
                .put("created", startedAt).put("owned_by", "invariant").put("root", engines.modelName())
                .put("max_model_len", engines.engine().maxModelLen())
                .put("numerics_profile", engines.profile().wireName());
    }

    @POST
    @Path("/completions")
    @Blocking
    @Cancellable // the result is cancelled when the client goes: ClientGone
    public CompletionStage<Response> completions(@HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
                                                 @HeaderParam(REQUEST_ID) String requestId, String body) {
        return withBody(type, body, (json, arrived) -> serve(Kind.COMPLETION, json, arrived, requestId));
    }

    @POST
    @Path("/chat/completions")
    @Blocking
    @Cancellable
    public CompletionStage<Response> chat(@HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
                                          @HeaderParam(REQUEST_ID) String requestId, String body) {
        return withBody(type, body, (json, arrived) -> serve(Kind.CHAT, json, arrived, requestId));
    }

    /**
     * OpenAI's Responses API, served as the chat request it spells ({@link ResponsesRequests}): one output, read into
     * reasoning, message and function call items ({@link ResponsesBodies}), streamed as typed events
     * ({@link ResponseEvents}); published to the completions topic as every answer here. Nothing is stored.
     */
    @POST
    @Path("/responses")
    @Blocking
    @Cancellable
    public CompletionStage<Response> responses(@HeaderParam(HttpHeaders.CONTENT_TYPE) String type,
                                               @HeaderParam(REQUEST_ID) String requestId, String text) {
        return withBody(type, text, (json, arrived) -> respond(json, arrived, requestId));
    }

    private CompletionStage<Response> respond(JsonNode body, long arrived, String requestId) {
        String id = "resp_" + UUID.randomUUID().toString().replace("-", ""); // a refused request's, before its own
        OpenAiRequests.Call call;
        ResponsesRequests.Chat chat = null;
        try {
            id = OpenAiRequests.id("resp_", requestId, body);
            chat = ResponsesRequests.toChat(body);
            call = OpenAiRequests.parse(Kind.CHAT, id, chat.body(), engines);
        } catch (EngineException e) {
            String param = chat != null ? chat.param(e.param()) : e.param();
            var named = new EngineException(e.code(), param, e.getMessage());
            completions.publish(generations.rejected(id, named, arrived), body.path("model").asText(""));
            return done(OpenAiErrors.of(named));
        }
        if (!acquire(1)) {
            return done(OpenAiErrors.of(new EngineException(ErrorCode.OVERLOADED,
                    engines.admission().limit() + " requests are in flight on this worker: retry later")));
        }
        var bodies = new ResponsesBodies(id, Instant.now().getEpochSecond(),
                call.model().isEmpty() ? engines.modelName() : call.model(), engines.systemFingerprint(), body,
                call.request().prompt(), engines.messages(), call.includeReasoning(),
                call.request().logprobs() < 0 ? null : tokenText(call));
        ResponseEvents events = call.stream() ? new ResponseEvents(bodies) : null;
        var run = submit(call, p -> events == null ? TokenListener.NONE : events, arrived).getFirst();
        return ClientGone.cancels(events != null ? events.answer(run)
                : run.thenApply(f -> f.result().ok() ? Response.ok(bodies.complete(f.result())).build()
                : OpenAiErrors.of(f.result().error())), List.of(run));
    }

    /** A token's text in log-probabilities: its own decoding, or vLLM's {@code token_id:N} when asked for. */
    private IntFunction<String> tokenText(OpenAiRequests.Call call) {
        return call.tokensAsIds() ? t -> "token_id:" + t : new TokenTexts(engines.engine().tokenizer());
    }

    /** {@code then} with the request's body and arrival time, or the 4xx of a body {@link JsonBody} cannot read. */
    private static CompletionStage<Response> withBody(String contentType, String text,
                                                      BiFunction<JsonNode, Long, CompletionStage<Response>> then) {
        long arrived = System.nanoTime();
        JsonNode body;
        try {
            body = JsonBody.read(contentType, text);
        } catch (JsonBody.Unreadable e) {
            return done(e.response);
        }
        return then.apply(body, arrived);
    }

    private CompletionStage<Response> serve(Kind kind, JsonNode body, long arrived, String requestId) {
        String prefix = kind == Kind.CHAT ? "chatcmpl-" : "cmpl-";
        String id = prefix + UUID.randomUUID(); // a refused request's, before its own is read
        long created = Instant.now().getEpochSecond();
        OpenAiRequests.Call call;
        try {
            id = OpenAiRequests.id(prefix, requestId, body);
            call = OpenAiRequests.parse(kind, id, body, engines);
        } catch (EngineException e) {
            var rejected = generations.rejected(id, e, arrived);
            String model = body.path("model").isTextual() ? body.get("model").textValue() : "";
            completions.publish(rejected, model);
            return done(OpenAiErrors.of(e));
        }
        if (!acquire(call.requests().size())) {
            return done(OpenAiErrors.of(new EngineException(ErrorCode.OVERLOADED,
                    engines.admission().limit() + " requests are in flight on this worker: retry later")));
        }
        Tokenizer tokenizer = engines.engine().tokenizer();
        String name = call.model().isEmpty() ? engines.modelName() : call.model();
        int logprobs = call.request().logprobs();
        IntFunction<String> tokenText = tokenText(call);
        var answer = new Answer(kind, id, name, engines.systemFingerprint(), created, logprobs >= 0,
                call.includeUsage(), tokenText, call.echo() ? logprobs : -1, call.promptLogprobs(),
                call.request().prompt(), engines.messages(), call.includeReasoning(), call.returnTokenIds(),
                call.continuousUsage());
        List<String> echoes = call.requests().stream()
                .map(r -> call.echo() ? promptText(r.prompt(), tokenizer) : "").toList();
        var params = call.request().params();
        // A prompt-only answer (echo, max_tokens 0), a beam, and an answer that is calls (tool_choice required or
        // named) stream none of their tokens: their choices come whole. With "auto", content streams until a call may
        // begin (ToolCallStream).
        SseStream sse = call.stream()
                ? new SseStream(answer, echoes, params.n(), params.useBeamSearch() || call.scoreOnly()
                        || answer.callsTools() && answer.tools().mode() != JsonTools.Mode.AUTO) : null;
        List<CompletableFuture<Generations.Finished>> submitted = submit(call,
                p -> sse == null ? TokenListener.NONE : sse.listener(p), arrived);
        List<CompletableFuture<Generations.Finished>> runs = !call.scoreOnly() ? submitted
                : submitted.stream().map(run -> run.thenApply(f -> new Generations.Finished(
                        OpenAiPrompts.promptOnly(f.result()), f.beforeEngineMs(), f.params(), f.prompt()))).toList();
        return ClientGone.cancels(sse != null ? sse.answer(runs, submitted) : whole(answer, runs, echoes), submitted);
    }

    /**
     * The answer once every prompt has its result: the first failure's HTTP error, or each prompt's choices in turn
     * ({@link OpenAiResponses#batch}; one prompt's is its whole answer).
     */
    private static CompletionStage<Response> whole(Answer answer, List<CompletableFuture<Generations.Finished>> runs,
                                                   List<String> echoes) {
        return CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<GenerationResult> results = runs.stream().map(f -> f.join().result()).toList();
            for (GenerationResult g : results) {
                if (!g.ok()) return OpenAiErrors.of(g.error());
            }
            return Response.ok(OpenAiResponses.batch(answer, results, echoes)).build();
        });
    }

    /**
     * Submits the call's engine requests, prompt p's tokens to {@code sse}'s listener of prompt p when streaming.
     * Several prompts (OpenAI's batch form: {@code <id>-0}, {@code <id>-1}, ...) are submitted together: admitted in
     * the same engine step when the engine has room, a prompt it refuses is refused before the others' first token.
     * Each releases its admission permit and is published as a completion of its own when it ends. Cancelling a
     * returned future cancels its request ({@link ClientGone}), which then ends as a CANCELLED error.
     */
    private List<CompletableFuture<Generations.Finished>> submit(OpenAiRequests.Call call,
                                                                IntFunction<TokenListener> listeners, long arrived) {
        List<Request> requests = call.requests();
        List<CompletableFuture<Generations.Finished>> runs;
        try {
            if (requests.size() == 1) {
                runs = List.of(generations.run(call.request(), listeners.apply(0), arrived));
            } else {
                List<Generations.Run> all = new ArrayList<>();
                for (int p = 0; p < requests.size(); p++) {
                    all.add(new Generations.Run(requests.get(p), listeners.apply(p), arrived));
                }
                runs = generations.runAll(all);
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < requests.size(); i++) engines.admission().release();
            throw e;
        }
        List<CompletableFuture<Generations.Finished>> ended = new ArrayList<>();
        for (int p = 0; p < runs.size(); p++) {
            var run = runs.get(p);
            String requestId = requests.get(p).requestId();
            var end = new CompletableFuture<Generations.Finished>();
            run.whenComplete((f, e) -> {
                Generations.Finished done = f != null ? f : generations.rejected(requestId, ClientGone.why(e), arrived);
                engines.admission().release();
                completions.publish(done, call.model());
                end.complete(done);
            });
            end.whenComplete((f, e) -> {
                if (end.isCancelled()) run.cancel(false);
            });
            ended.add(end);
        }
        return ended;
    }

    /** Admission for {@code n} requests at once: all or none. */
    private boolean acquire(int n) {
        for (int i = 0; i < n; i++) {
            if (!engines.admission().tryAcquire()) {
                for (int j = 0; j < i; j++) engines.admission().release();
                return false;
            }
        }
        return true;
    }

    /** The prompt as echoed: the caller's text as given, token ids decoded. */
    private static String promptText(Prompt p, Tokenizer tokenizer) {
        return switch (p) {
            case Prompt.Text t -> t.text();
            case Prompt.TokenIds t -> tokenizer.decode(t.ids(), false);
            case Prompt.Chat c -> "";
        };
    }

    private static CompletionStage<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }
}
