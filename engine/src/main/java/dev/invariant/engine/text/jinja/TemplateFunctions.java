package dev.invariant.engine.text.jinja;

/** Functions that transformers adds to the chat-template environment. */
public final class TemplateFunctions {
    private TemplateFunctions() {
    }

    /** {@code raise_exception(message)}: the template refuses the conversation. */
    public static String raiseException(String message) {
        throw new Rejected(message);
    }

    /** The template's own refusal, told apart from template bugs by its type. */
    public static final class Rejected extends RuntimeException {
        Rejected(String message) {
            super(message);
        }
    }
}
