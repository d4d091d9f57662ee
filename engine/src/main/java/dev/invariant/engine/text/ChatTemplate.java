package dev.invariant.engine.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template rendered with jinjava, set up like transformers' Jinja environment
 * (trim_blocks, lstrip_blocks, no trailing newline kept, {@code raise_exception}, Python-style {@code tojson})
 * so the rendered prompt is the same text, byte for byte.
 */
public final class ChatTemplate {
    /**
     * Jinja2 semantics where jinjava has a switch for them; "whitespace required within tokens" stays off
     * because it stops {@code {%-} from parsing.
     */
    private static final LegacyOverrides JINJA2 = LegacyOverrides.newBuilder()
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUsePyishObjectMapper(true)
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withAllowAdjacentTextNodes(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withKeepNullableLoopValues(true)
            .withHandleBackslashInQuotesOnly(true)
            .build();
    /**
     * Jinja2's lstrip_blocks: spaces and tabs between a line start and a block or comment tag go, unless the
     * tag opens with {@code +}. Jinjava's own switch also strips spaces after text on the same line.
     */
    private static final Pattern LINE_START_INDENT = Pattern.compile("(?:^|(?<=[\\n\\r]))[ \\t]+(?=\\{[%#](?!\\+))");

    /** Python string methods first, then jinjava's default (read-only) resolver. */
    private static final CompositeELResolver RESOLVER = new CompositeELResolver();

    static {
        RESOLVER.add(new PythonStringMethods());
        RESOLVER.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    }

    private final String source;
    private final String body;
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava;

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
        // jinjava cannot parse a slice with a step; templates use it to walk messages backwards
        String body = LINE_START_INDENT.matcher(source.replace("[::-1]", "|reverse")).replaceAll("");
        // Jinja2 drops one newline at the end of the template source (keep_trailing_newline=False); jinjava's
        // own switch trims the rendered output instead, which would eat a newline the template printed
        this.body = body.endsWith("\r\n") ? body.substring(0, body.length() - 2)
                : body.endsWith("\n") || body.endsWith("\r") ? body.substring(0, body.length() - 1) : body;
        this.specialTokens = Map.copyOf(specialTokens);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // done on the source instead, see LINE_START_INDENT
                .withKeepTrailingNewline(true)
                .withFailOnUnknownTokens(false)
                // Jinja2 prints a value as text; jinjava would render a message's "{{ ... }}" or "{% raw %}" again
                // as template code (content evaluated, or a chat refused)
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(JINJA2)
                .withElResolver(RESOLVER)
                .build();
        jinjava = new Jinjava(config);
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", String.class));
        jinjava.registerFilter(new PythonJson());
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
        if (messages == null || messages.isEmpty()) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "a chat needs at least one message");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            list.add(map);
        }
        Map<String, Object> vars = new HashMap<>(specialTokens);
        vars.put("messages", list);
        vars.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result = jinjava.renderForResult(body, vars);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            String why = fatal.stream().map(ChatTemplate::reason).collect(Collectors.joining("; "));
            throw new EngineException(ErrorCode.INVALID_PARAM, "the model's chat template rejected the messages: "
                    + why + "; check the roles and their order");
        }
        return result.getOutput();
    }

    /** The message of raise_exception when the template called it, else jinjava's description. */
    private static String reason(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateFunctions.Rejected r) return r.getMessage();
        }
        return error.getMessage();
    }
}
