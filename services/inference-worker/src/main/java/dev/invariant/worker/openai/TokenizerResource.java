package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.Prompt;
import dev.invariant.worker.engine.EngineService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * vLLM's server endpoints beside the OpenAI API, with vLLM's shapes, for the tools written against it:
 * {@code POST /tokenize} (a {@code prompt}, or chat {@code messages}: the ids a generation request with that prompt
 * runs on, chat template included, the same code path), {@code POST /detokenize}, {@code GET /health} (200 while
 * the worker serves; readiness with the broker is {@code /q/health/ready}) and {@code GET /version}.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class TokenizerResource {
    private final EngineService engines;
    private final String version;

    public TokenizerResource(EngineService engines,
                             @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.engines = engines;
        this.version = version;
    }

    @POST
    @Path("/tokenize")
    public Response tokenize(@HeaderParam(HttpHeaders.CONTENT_TYPE) String type, String text) {
        return answer(type, text, f -> {
            if (f.bool("return_token_strs").orElse(false)) {
                throw EngineException.invalid("return_token_strs", "'return_token_strs' is not supported by this"
                        + " server: POST /detokenize gives the text of ids");
            }
            int[] ids;
            if (f.has("messages")) {
                if (f.has("prompt")) throw EngineException.invalid("prompt", "give either prompt or messages, not both");
                OpenAiRequests.refuseUnsupportedChat(f);
                ids = engines.engine().promptIds(JsonRequests.chat(f));
            } else {
                Prompt prompt = JsonRequests.completionPrompt(f);
                // vLLM's add_special_tokens (default true) is what a generation request's text prompt always gets.
                boolean special = f.bool("add_special_tokens").orElse(true);
                ids = prompt instanceof Prompt.Text t && !special ? engines.engine().tokenizer().encodeNoSpecial(t.text())
                        : engines.engine().promptIds(prompt);
            }
            ObjectNode root = OpenAiResponses.JSON.createObjectNode().put("count", ids.length)
                    .put("max_model_len", engines.engine().maxModelLen());
            var tokens = root.putArray("tokens");
            for (int id : ids) tokens.add(id);
            return root;
        });
    }

    @POST
    @Path("/detokenize")
    public Response detokenize(@HeaderParam(HttpHeaders.CONTENT_TYPE) String type, String text) {
        return answer(type, text, f -> {
            int[] ids = f.integers("tokens").orElseThrow(() -> EngineException.invalid("tokens",
                    "'tokens' is required: an array of token ids")).stream().mapToInt(Integer::intValue).toArray();
            int vocab = engines.engine().model().config().vocabSize();
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0 || ids[i] >= vocab) {
                    throw EngineException.invalid("tokens", "tokens[" + i + "] = " + ids[i]
                            + " is not a token id of this model (0 to " + (vocab - 1) + ")");
                }
            }
            return OpenAiResponses.JSON.createObjectNode().put("prompt", engines.engine().tokenizer().decode(ids, false));
        });
    }

    /** The body read strictly and its model checked, then {@code body}'s answer, or the error in OpenAI's shape. */
    private Response answer(String type, String text, Function<JsonFields, ObjectNode> body) {
        try {
            JsonFields f = JsonFields.of(JsonBody.read(type, text));
            OpenAiRequests.model(f, engines);
            return Response.ok(body.apply(f)).build();
        } catch (JsonBody.Unreadable e) {
            return e.response;
        } catch (EngineException e) {
            return OpenAiErrors.of(e);
        }
    }

    @GET
    @Path("/health")
    public Response health() {
        return engines.draining() ? Response.status(503).build() : Response.ok().build();
    }

    @GET
    @Path("/version")
    public ObjectNode version() {
        return OpenAiResponses.JSON.createObjectNode().put("version", version)
                .put("system_fingerprint", engines.systemFingerprint());
    }
}
