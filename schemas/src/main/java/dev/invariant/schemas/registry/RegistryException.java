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

    /**
     * The registry says the subject, version or schema id does not exist: a 404 with one of the Confluent API's
     * not-found codes (40401 subject, 40402 version, 40403 schema, ...). A bare 404 is not that: a proxy or ingress in
     * front of a missing registry, or a wrong base URL, answers 404 to everything, and taking it at its word would
     * dead-letter valid records ({@link #isRegistryFault()}).
     */
    public boolean isNotFound() {
        return status == 404 && errorCode / 100 == 404;
    }

    /**
     * Not an answer about the request but about reaching the registry: a 404 without a not-found code, or a refused
     * login (401, 403). Callers wait and retry, as for {@link #isTransient()}, while readiness reports the registry.
     */
    public boolean isRegistryFault() {
        return (status == 404 && !isNotFound()) || status == 401 || status == 403;
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
