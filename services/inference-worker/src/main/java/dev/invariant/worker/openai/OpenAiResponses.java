package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.GenerationResult;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * OpenAI response bodies. Each choice carries two fields OpenAI does not have: {@code fingerprint} (SHA-256 of
 * everything that determines the output) and {@code output_hash} (SHA-256 of the output token ids).
 */
public final class OpenAiResponses {
    static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiResponses() {
    }

    /** Which endpoint a response belongs to: they differ in object names and in how text is carried. */
    public enum Kind {
        COMPLETION("text_completion", "text_completion"),
        CHAT("chat.completion", "chat.completion.chunk");

        final String object;
        final String chunkObject;

        Kind(String object, String chunkObject) {
            this.object = object;
            this.chunkObject = chunkObject;
        }
    }

    public static ObjectNode full(Kind kind, String id, String model, long created, GenerationResult g) {
        ObjectNode root = header(id, kind.object, model, created);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        if (kind == Kind.CHAT) {
            choice.putObject("message").put("role", "assistant").put("content", g.text());
        } else {
            choice.put("text", g.text()).putNull("logprobs");
        }
        identity(choice.put("finish_reason", g.finishReason().wireName()), g);
        usage(root, g);
        return root;
    }

    /** A streamed delta; {@code first} adds the assistant role to a chat delta. */
    public static ObjectNode delta(Kind kind, String id, String model, long created, String text, boolean first) {
        ObjectNode root = header(id, kind.chunkObject, model, created);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        if (kind == Kind.CHAT) {
            ObjectNode d = choice.putObject("delta");
            if (first) d.put("role", "assistant");
            d.put("content", text);
        } else {
            choice.put("text", text).putNull("logprobs");
        }
        choice.putNull("finish_reason");
        return root;
    }

    /** The last streamed event: remaining text, finish reason, identity and usage. */
    public static ObjectNode last(Kind kind, String id, String model, long created, String rest, GenerationResult g) {
        ObjectNode root = header(id, kind.chunkObject, model, created);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        if (kind == Kind.CHAT) {
            choice.putObject("delta").put("content", rest);
        } else {
            choice.put("text", rest).putNull("logprobs");
        }
        identity(choice.put("finish_reason", g.finishReason().wireName()), g);
        usage(root, g);
        return root;
    }

    /** OpenAI's error body, with the HTTP status that fits the code. */
    public static Response error(EngineException e) {
        int status = switch (e.code()) {
            case INVALID_PARAM, EMPTY_PROMPT, PROMPT_TOO_LONG -> 400;
            case UNKNOWN_MODEL -> 404;
            case DEADLINE_EXCEEDED -> 408;
            case OVERLOADED -> 429;
            default -> 500;
        };
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(errorBody(e)).build();
    }

    public static ObjectNode errorBody(EngineException e) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("message", e.getMessage())
                .put("type", e.code().name().equals("INTERNAL") ? "server_error" : "invalid_request_error")
                .putNull("param").put("code", e.code().name());
        return root;
    }

    private static ObjectNode header(String id, String object, String model, long created) {
        return JSON.createObjectNode().put("id", id).put("object", object).put("created", created).put("model", model)
                .put("system_fingerprint", "invariant");
    }

    private static void identity(ObjectNode choice, GenerationResult g) {
        choice.put("fingerprint", g.fingerprint()).put("output_hash", g.outputHash());
    }

    private static void usage(ObjectNode root, GenerationResult g) {
        int p = g.promptTokenIds().length;
        int c = g.tokenIds().length;
        root.putObject("usage").put("prompt_tokens", p).put("completion_tokens", c).put("total_tokens", p + c);
    }
}
