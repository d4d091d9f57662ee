package dev.invariant.engine;

/**
 * An error with a stable {@link ErrorCode}; its message says what went wrong and what to do. {@code param} names
 * the request field at fault, in the wire name every front door uses ({@code max_tokens}, {@code temperature},
 * {@code messages}, ...), so that an HTTP client sees it in OpenAI's {@code error.param}; null when no one field is.
 */
public class EngineException extends RuntimeException {
    private final ErrorCode code;
    private final String param;

    public EngineException(ErrorCode code, String message) {
        this(code, null, message);
    }

    public EngineException(ErrorCode code, String param, String message) {
        super(message);
        this.code = code;
        this.param = param;
    }

    public EngineException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.param = null;
    }

    /** INVALID_PARAM for the field {@code param}. */
    public static EngineException invalid(String param, String message) {
        return new EngineException(ErrorCode.INVALID_PARAM, param, message);
    }

    public ErrorCode code() {
        return code;
    }

    /** The request field at fault (wire name), or null. */
    public String param() {
        return param;
    }

    /** The same error with its message prefixed (e.g. with a file and line), keeping code and param. */
    public EngineException withContext(String prefix) {
        return new EngineException(code, param, prefix + getMessage());
    }

    /** "CODE: message", the form the CLI and error completions show. */
    public String describe() {
        return code + ": " + getMessage();
    }
}
