package dev.invariant.cli;

/** A failure outside any request (no broker, no file) that the user can fix: printed as "error: message", exit 1. */
final class CliError extends RuntimeException {
    CliError(String message) {
        super(message);
    }
}
