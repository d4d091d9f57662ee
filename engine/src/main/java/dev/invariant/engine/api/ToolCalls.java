package dev.invariant.engine.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.api.JsonTools.Choice;
import dev.invariant.engine.text.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The calls a chat answer makes, read from its text as vLLM's {@code hermes} parser reads them (Qwen2.5, Qwen3,
 * Hermes and the templates written like theirs): with {@code tool_choice} "auto" each
 * {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>} block is a call and the text before the first is
 * the content; with "required" the text is vLLM's JSON array of {@code {"name", "parameters"}}; with a named function
 * it is that function's arguments. Text that does not parse stays content, with no calls, as in vLLM. The text (and
 * its output hash) is what the model wrote; the calls are read from it, ids included, so the same text gives the
 * same calls on every front door (the HTTP answer, the Completion record).
 */
public final class ToolCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BLOCK = Pattern.compile("<tool_call>(.*?)</tool_call>|<tool_call>(.*)", Pattern.DOTALL);
    private static final String OPEN = "<tool_call>";

    private ToolCalls() {
    }

    /** An answer's message content (null when only calls) and its calls. */
    public record Parsed(String content, List<ToolCall> calls) {
        public boolean any() {
            return !calls.isEmpty();
        }
    }

    /** The calls of output {@code text} (whose output hash is {@code outputHash}) of a request with prompt {@code p}. */
    public static Parsed read(Prompt p, String text, String outputHash) {
        if (!(p instanceof Prompt.Chat c)) return new Parsed(text, List.of());
        return read(c.toolChoice(), c.parallelToolCalls(), text, outputHash);
    }

    /** The calls of {@code text} under a tool choice; ids from {@code outputHash} (none when it is null). */
    public static Parsed read(Choice choice, boolean parallel, String text, String outputHash) {
        List<String[]> calls = switch (choice.mode()) {
            case NONE -> List.of();
            case NAMED -> List.<String[]>of(new String[] {choice.name(), text});
            case REQUIRED -> required(text);
            case AUTO -> auto(text, parallel);
        };
        if (calls == null || calls.isEmpty()) return new Parsed(text, List.of());
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            String id = outputHash == null ? null : "call_" + outputHash.substring(0, 24) + "_" + i;
            out.add(new ToolCall(id, calls.get(i)[0], calls.get(i)[1]));
        }
        String content = switch (choice.mode()) {
            case AUTO -> text.substring(0, text.indexOf(OPEN));
            default -> "";
        };
        return new Parsed(content.isBlank() ? null : content, out);
    }

    /** The finish reason an answer with these calls reports: OpenAI's "tool_calls", except for a named function. */
    public static String finishReason(Choice choice, Parsed calls, String reason) {
        return calls.any() && choice.mode() != JsonTools.Mode.NAMED && reason.equals("stop") ? "tool_calls" : reason;
    }

    private static List<String[]> required(String text) {
        List<String[]> calls = new ArrayList<>();
        try {
            JsonNode array = JSON.readTree(text);
            if (!array.isArray()) return null;
            for (JsonNode c : array) {
                if (!c.path("name").isTextual() || c.path("name").textValue().isBlank()) return null;
                calls.add(new String[] {c.get("name").textValue(), c.get("parameters").toString()});
            }
        } catch (Exception e) { // a generation cut short by max_tokens: the text stays content
            return null;
        }
        return calls;
    }

    private static List<String[]> auto(String text, boolean parallel) {
        if (!text.contains(OPEN)) return null;
        List<String[]> calls = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = (m.group(1) != null ? m.group(1) : m.group(2)).strip();
            try {
                JsonNode c = JSON.readTree(body);
                if (!c.path("name").isTextual() || c.path("name").textValue().isBlank()) return null;
                JsonNode args = c.path("arguments");
                calls.add(new String[] {c.get("name").textValue(), args.isMissingNode() ? "{}" : args.toString()});
            } catch (Exception e) {
                return null;
            }
        }
        return parallel || calls.size() <= 1 ? calls : calls.subList(0, 1);
    }
}
