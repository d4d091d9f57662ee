package dev.invariant.schemas.registry;

/**
 * A schema registry call failed: the registry answered an error, or could not be reached.
 *
 * <p>{@link #status()} is the HTTP status, or {@link #UNREACHABLE} when no answer came;
 * {@link #errorCode()} is the Confluent {@code error_code} from the body (0 when absent).
 */
public final class RegistryException extends RuntimeException {

    /** Status used when the registry did not answer at all. */
    public static final int UNREACHABLE = -1;

    private final int status;
    private final int errorCode;

    public RegistryException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = UNREACHABLE;
        this.errorCode = 0;
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }

    /** The subject, version or schema id does not exist. */
    public boolean isNotFound() {
        return status == 404;
    }

    /** The registry rejected a schema as incompatible with the subject's compatibility level. */
    public boolean isIncompatible() {
        return status == 409;
    }

    /** Worth retrying later: the registry was unreachable or answered a server error. */
    public boolean isTransient() {
        return status == UNREACHABLE || status >= 500;
    }
}
