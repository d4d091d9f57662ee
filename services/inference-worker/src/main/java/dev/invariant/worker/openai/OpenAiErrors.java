package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Every error the HTTP API returns, in OpenAI's shape {@code {"error": {"message", "type", "param", "code"}}}, so
 * OpenAI's SDKs show the message instead of "400 status code (no body)". {@code code} carries the project's own
 * code (an {@link dev.invariant.engine.ErrorCode} name, the same the error completion on Kafka carries, or one of
 * the HTTP-only codes below); {@code param} names the request field at fault.
 */
public final class OpenAiErrors {
    /** HTTP-only codes: problems with the HTTP request itself, before there is a generation request. */
    public static final String INVALID_JSON = "INVALID_JSON";
    public static final String UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE";
    public static final String UNKNOWN_URL = "UNKNOWN_URL";
    public static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";

    private OpenAiErrors() {
    }

    /** An engine error with the HTTP status that fits its code. */
    public static Response of(EngineException e) {
        int status = switch (e.code()) {
            case INVALID_PARAM, EMPTY_PROMPT, PROMPT_TOO_LONG, KV_CACHE_TOO_SMALL -> 400;
            case UNKNOWN_MODEL -> 404;
            case DEADLINE_EXCEEDED -> 408;
            case OVERLOADED -> 429;
            case CANCELLED -> 499; // nginx's "client closed request": the client has gone and never reads it
            default -> 500;
        };
        return of(status, e.code().name(), e.param(), e.getMessage());
    }

    public static Response of(int status, String code, String param, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body(status, code, param, message))
                .build();
    }

    public static ObjectNode body(EngineException e) {
        return (ObjectNode) of(e).getEntity();
    }

    /**
     * The body. {@code type} follows OpenAI: {@code invalid_request_error} for what the caller can fix,
     * {@code rate_limit_error} when the worker is full (429: OpenAI's clients retry it), {@code server_error} else.
     */
    static ObjectNode body(int status, String code, String param, String message) {
        String type = status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
        ObjectNode root = OpenAiResponses.JSON.createObjectNode();
        ObjectNode error = root.putObject("error").put("message", message).put("type", type);
        if (param == null) error.putNull("param");
        else error.put("param", param);
        error.put("code", code);
        return root;
    }
}
