package dev.invariant.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import java.util.List;
import java.util.Map;

/**
 * How a chat is rendered through its template, as vLLM's chat requests (and transformers' {@code apply_chat_template})
 * set it: the assistant header appended or not, the last message left open to be continued, the template's own
 * variables ({@code chat_template_kwargs}, e.g. Qwen3's {@code enable_thinking}) and RAG {@code documents}. Every one
 * changes only the rendered text, so the prompt's token ids (in the fingerprint) carry it.
 *
 * @param addGenerationPrompt  append the header that starts the assistant's turn (default true)
 * @param continueFinalMessage end the prompt inside the last message, for the model to continue it (default false)
 * @param templateKwargs       a JSON object of further template variables, or null
 * @param documents            a JSON array of document objects handed to the template, or null
 */
public record ChatRendering(boolean addGenerationPrompt, boolean continueFinalMessage, String templateKwargs,
                            String documents) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Variables the request sets by their own fields: a template kwarg of that name would say it twice. */
    private static final List<String> OWN_FIELDS = List.of("messages", "tools", "documents", "add_generation_prompt",
            "continue_final_message");

    /** What a chat request gets when it says nothing: the generation prompt, nothing else. */
    public static final ChatRendering DEFAULT = new ChatRendering(true, false, null, null);

    public ChatRendering {
        if (addGenerationPrompt && continueFinalMessage) {
            throw EngineException.invalid("continue_final_message", "continue_final_message and add_generation_prompt"
                    + " cannot both be true: set add_generation_prompt to false to continue the last message");
        }
        JsonNode kwargs = parse("chat_template_kwargs", templateKwargs);
        if (kwargs != null) {
            if (!kwargs.isObject()) throw EngineException.invalid("chat_template_kwargs", "'chat_template_kwargs' must"
                    + " be an object of template variables, e.g. {\"enable_thinking\": false}");
            for (String name : OWN_FIELDS) {
                if (kwargs.has(name)) throw EngineException.invalid("chat_template_kwargs", "'chat_template_kwargs' may"
                        + " not set '" + name + "': " + (name.equals("messages") ? "send the messages as 'messages'"
                        : "use the request's '" + name + "' field"));
            }
        }
        JsonNode docs = parse("documents", documents);
        if (docs != null && (!docs.isArray() || !docs.valueStream().allMatch(JsonNode::isObject))) {
            throw EngineException.invalid("documents", "'documents' must be an array of objects (e.g. {\"title\": ...,"
                    + " \"text\": ...}), as the chat template reads them");
        }
    }

    /** The template variables {@code chat_template_kwargs} adds (empty when none). */
    @SuppressWarnings("unchecked")
    Map<String, Object> variables() {
        return templateKwargs == null ? Map.of() : (Map<String, Object>) ChatTemplate.json(templateKwargs);
    }

    /** The documents as the template reads them, or null. */
    Object documentList() {
        return documents == null ? null : ChatTemplate.json(documents);
    }

    private static JsonNode parse(String field, String text) {
        if (text == null) return null;
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw EngineException.invalid(field, "'" + field + "' is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
