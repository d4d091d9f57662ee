package dev.invariant.engine.api;

import dev.invariant.engine.text.ChatMessage;
import dev.invariant.engine.text.ChatRendering;
import java.util.List;

/** What a request asks the model to continue: plain text, chat messages, or token ids. */
public sealed interface Prompt {

    /** Text tokenised as Hugging Face's {@code tokenizer(text)} does (special tokens added). */
    record Text(String text) implements Prompt {
    }

    /**
     * Messages rendered with the model's chat template as {@code rendering} says (by default with the generation prompt
     * appended); {@code tools} (OpenAI's function tools as a JSON array, or null) are handed to the template too, and
     * {@code toolChoice} with {@code parallelToolCalls} say how the answer may call them ({@link JsonTools}).
     */
    record Chat(List<ChatMessage> messages, String tools, JsonTools.Choice toolChoice, boolean parallelToolCalls,
                ChatRendering rendering) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
            if (toolChoice == null) toolChoice = JsonTools.Choice.NONE;
            if (rendering == null) rendering = ChatRendering.DEFAULT;
        }

        public Chat(List<ChatMessage> messages, String tools, JsonTools.Choice toolChoice, boolean parallelToolCalls) {
            this(messages, tools, toolChoice, parallelToolCalls, ChatRendering.DEFAULT);
        }

        public Chat(List<ChatMessage> messages) {
            this(messages, null, JsonTools.Choice.NONE, true);
        }
    }

    /** Token ids used as they are. */
    record TokenIds(int[] ids) implements Prompt {
        public TokenIds {
            ids = ids.clone();
        }
    }

    static Prompt text(String text) {
        return new Text(text);
    }
}
