package dev.invariant.engine.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.text.jinja.Jinja2Environment;
import dev.invariant.engine.text.jinja.TemplateFunctions;
import dev.invariant.engine.text.jinja.TemplateSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Hugging Face chat template rendered with jinjava, set up like transformers' Jinja environment
 * ({@link Jinja2Environment}) so the rendered prompt is the same text, byte for byte.
 */
public final class ChatTemplate {
    private final String source;
    private final String body;
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava = Jinja2Environment.create();

    /**
     * @param source        the Jinja source ({@code chat_template})
     * @param specialTokens variables such as bos_token and eos_token that the template may use
     */
    public ChatTemplate(String source, Map<String, String> specialTokens) {
        if (source == null || source.isBlank()) {
            throw new EngineException(ErrorCode.TOKENIZER, "the chat template is empty: fix chat_template in"
                    + " tokenizer_config.json or remove it");
        }
        this.source = source;
        this.body = TemplateSource.prepare(source);
        this.specialTokens = Map.copyOf(specialTokens);
    }

    /** The template source, as read from the model folder. */
    public String source() {
        return source;
    }

    /**
     * Renders the conversation as the model expects it.
     *
     * @param addGenerationPrompt append the header that starts the assistant's turn
     * @throws EngineException INVALID_PARAM when the template rejects the messages (raise_exception)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, null, addGenerationPrompt);
    }

    /**
     * Renders the conversation with the functions the model may call.
     *
     * @param toolsJson OpenAI's {@code tools}, a JSON array of {@code {type: "function", function: {...}}}, passed to
     *                  the template as transformers and vLLM pass it; null when the request has none
     */
    public String render(List<ChatMessage> messages, String toolsJson, boolean addGenerationPrompt) {
        return render(messages, toolsJson, addGenerationPrompt ? ChatRendering.DEFAULT
                : new ChatRendering(false, false, null, null));
    }

    /**
     * Renders the conversation as {@code rendering} asks: transformers' {@code apply_chat_template(messages, tools=...,
     * documents=..., add_generation_prompt=..., continue_final_message=..., **chat_template_kwargs)}.
     */
    public String render(List<ChatMessage> messages, String toolsJson, ChatRendering rendering) {
        if (messages == null || messages.isEmpty()) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "a chat needs at least one message");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) list.add(message(m));
        Map<String, Object> vars = new HashMap<>(specialTokens);
        vars.putAll(rendering.variables()); // after the special tokens, which transformers lets them replace
        vars.put("messages", list);
        vars.put("add_generation_prompt", rendering.addGenerationPrompt());
        // transformers passes these as None when the request has no tools or documents
        vars.put("tools", toolsJson == null ? null : json(toolsJson));
        vars.put("documents", rendering.documentList());
        RenderResult result = jinjava.renderForResult(body, vars);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            String why = fatal.stream().map(ChatTemplate::reason).collect(Collectors.joining("; "));
            throw new EngineException(ErrorCode.INVALID_PARAM, "the model's chat template rejected the messages: "
                    + why + "; check the roles and their order");
        }
        String out = result.getOutput();
        return rendering.continueFinalMessage() ? continued(out, messages.getLast()) : out;
    }

    /**
     * The rendering cut right after the last message's text, as transformers cuts it for continue_final_message: at
     * the last occurrence of the stripped text, its trailing spaces kept when the template wrote the text whole.
     */
    private static String continued(String rendered, ChatMessage last) {
        String text = last.content();
        if (text == null || text.isBlank()) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "continue_final_message", "continue_final_message needs"
                    + " the last message to have text to continue");
        }
        int at = rendered.lastIndexOf(text.strip());
        if (at < 0) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "continue_final_message", "continue_final_message is set"
                    + " but the chat template does not write the last message's text as it is: it cannot be continued");
        }
        // the template kept the text whole (no leading space to lose, trailing ones written): cut after all of it
        boolean whole = text.equals(text.stripLeading()) && rendered.startsWith(text, at);
        return rendered.substring(0, at + (whole ? text.length() : text.strip().length()));
    }

    /**
     * A message as vLLM hands it to the template: content "" where the message has none (an assistant's calls or
     * reasoning alone), an assistant's reasoning under both {@code reasoning} and its former name
     * {@code reasoning_content} (Qwen3's template reads the latter), the author's {@code name}; keys in vLLM's order.
     */
    private static Map<String, Object> message(ChatMessage m) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("role", m.role());
        map.put("content", m.content() == null ? "" : m.content());
        if (!m.toolCalls().isEmpty()) map.put("tool_calls", m.toolCalls().stream().map(ChatTemplate::call).toList());
        if (m.reasoning() != null) {
            map.put("reasoning", m.reasoning());
            map.put("reasoning_content", m.reasoning());
        }
        if (m.toolCallId() != null) map.put("tool_call_id", m.toolCallId());
        if (m.name() != null) map.put("name", m.name());
        return map;
    }

    /**
     * A call as templates read it: OpenAI's shape with the arguments as an object, not JSON text, as vLLM hands them
     * to templates (Qwen's and Llama 3.1's render them with {@code tojson}).
     */
    private static Map<String, Object> call(ToolCall c) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", c.name());
        function.put("arguments", json(c.arguments()));
        Map<String, Object> call = new LinkedHashMap<>();
        if (c.id() != null) call.put("id", c.id());
        call.put("type", "function");
        call.put("function", function);
        return call;
    }

    /** JSON text as the template reads it (maps, lists, strings, numbers); INVALID_PARAM when it is not JSON. */
    static Object json(String text) {
        try {
            return JSON.readValue(text, Object.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The message of raise_exception when the template called it, else jinjava's description and its cause. */
    private static String reason(TemplateError error) {
        Throwable root = null;
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateFunctions.Rejected r) return r.getMessage();
            root = t;
        }
        String cause = root == null ? null : root.getMessage();
        return cause == null || error.getMessage().contains(cause) ? error.getMessage() : error.getMessage() + " (" + cause + ")";
    }
}
