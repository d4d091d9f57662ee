package dev.invariant.engine;

/** An error with a stable {@link ErrorCode}; its message says what went wrong and what to do. */
public class EngineException extends RuntimeException {
    private final ErrorCode code;

    public EngineException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public EngineException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** "CODE: message", the form the CLI and error completions show. */
    public String describe() {
        return code + ": " + getMessage();
    }
}
