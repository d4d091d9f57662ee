package dev.invariant.stack;

/** The embedded stack could not be configured, built, started or stopped; the message says why and what to do. */
public class StackException extends RuntimeException {
    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
