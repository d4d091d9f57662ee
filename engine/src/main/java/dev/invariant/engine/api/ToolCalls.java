package dev.invariant.engine.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.api.JsonTools.Choice;
import dev.invariant.engine.text.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The calls a chat answer makes, read from its text as vLLM's tool parsers read them: with {@code tool_choice} "auto"
 * in the model's own form ({@link ToolCallFormat}: hermes blocks, Llama 3's JSON, Mistral's {@code [TOOL_CALLS]}),
 * with "required" as vLLM's JSON array of {@code {"name", "parameters"}}, with a named function as that function's
 * arguments. Text that does not parse stays content, with no calls, as in vLLM. The text (and its output hash) is
 * what the model wrote; the calls are read from it, ids included, so the same text gives the same calls on every
 * front door (the HTTP answer, the Completion record).
 */
public final class ToolCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BLOCK = Pattern.compile("<tool_call>(.*?)</tool_call>|<tool_call>(.*)", Pattern.DOTALL);
    private static final String OPEN = "<tool_call>";
    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final String TOOL_CALLS = "[TOOL_CALLS]";

    private ToolCalls() {
    }

    /** An answer's message content (null when only calls) and its calls. */
    public record Parsed(String content, List<ToolCall> calls) {
        public boolean any() {
            return !calls.isEmpty();
        }
    }

    /**
     * The calls of output {@code text} (whose output hash is {@code outputHash}) of a request with prompt {@code p},
     * from a model that writes them in {@code format}.
     */
    public static Parsed read(ToolCallFormat format, Prompt p, String text, String outputHash) {
        if (!(p instanceof Prompt.Chat c)) return new Parsed(text, List.of());
        return read(format, c.toolChoice(), c.parallelToolCalls(), text, outputHash);
    }

    /** The calls of {@code text} under a tool choice; ids from {@code outputHash} (none when it is null). */
    public static Parsed read(ToolCallFormat format, Choice choice, boolean parallel, String text, String outputHash) {
        Found found = switch (choice.mode()) {
            case NONE -> null;
            case NAMED -> new Found("", List.<String[]>of(new String[] {choice.name(), text}));
            case REQUIRED -> required(text);
            case AUTO -> switch (format) {
                case HERMES -> hermes(text);
                case LLAMA3_JSON -> llama3(text);
                case MISTRAL -> mistral(text);
            };
        };
        if (found == null || found.calls().isEmpty()) return new Parsed(text, List.of());
        List<String[]> calls = parallel || choice.mode() != JsonTools.Mode.AUTO ? found.calls()
                : found.calls().subList(0, 1);
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            String id = outputHash == null ? null : format.callId(outputHash, i);
            out.add(new ToolCall(id, calls.get(i)[0], calls.get(i)[1]));
        }
        return new Parsed(found.content().isBlank() ? null : found.content(), out);
    }

    /** What a form's reader found: the content before the calls ("" for none) and each call's name and arguments. */
    private record Found(String content, List<String[]> calls) {
    }

    /** The finish reason an answer with these calls reports: OpenAI's "tool_calls", except for a named function. */
    public static String finishReason(Choice choice, Parsed calls, String reason) {
        return calls.any() && choice.mode() != JsonTools.Mode.NAMED && reason.equals("stop") ? "tool_calls" : reason;
    }

    private static Found required(String text) {
        List<String[]> calls = array(text, "parameters");
        return calls == null ? null : new Found("", calls);
    }

    /** hermes: every {@code <tool_call>} block (the last may be unterminated), the content before the first. */
    private static Found hermes(String text) {
        if (!text.contains(OPEN)) return null;
        List<String[]> calls = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String[] c = call(m.group(1) != null ? m.group(1) : m.group(2), "arguments");
            if (c == null) return null;
            calls.add(c);
        }
        return new Found(text.substring(0, text.indexOf(OPEN)), calls);
    }

    /**
     * llama3_json: the whole answer, after an optional {@code <|python_tag|>}, is one or more call objects separated
     * by {@code ;} (vLLM's rule for a streamed answer, here for both: an answer that starts as prose is content).
     */
    private static Found llama3(String text) {
        String s = text.strip();
        if (s.startsWith(PYTHON_TAG)) s = s.substring(PYTHON_TAG.length()).strip();
        List<String[]> calls = new ArrayList<>();
        while (s.startsWith("{")) {
            JsonNode c;
            int end;
            try (JsonParser p = JSON.createParser(s)) {
                c = JSON.readTree(p);
                end = (int) p.currentLocation().getCharOffset();
            } catch (Exception e) { // cut short by max_tokens, or not JSON: content
                return null;
            }
            String[] call = call(c, c.has("arguments") ? "arguments" : "parameters");
            if (call == null) return null;
            calls.add(call);
            s = s.substring(end).strip();
            if (s.isEmpty()) return new Found("", calls);
            if (!s.startsWith(";")) return null;
            s = s.substring(1).strip();
        }
        return null;
    }

    /**
     * mistral: the JSON array after {@code [TOOL_CALLS]}, the content before it. The marker is a special token, which
     * answers drop by default (skip_special_tokens): an answer that is such an array alone is read the same way.
     */
    private static Found mistral(String text) {
        int at = text.indexOf(TOOL_CALLS);
        String content = at < 0 ? "" : text.substring(0, at);
        String calls = at < 0 ? text.strip() : text.substring(at).replace(TOOL_CALLS, "").strip();
        if (!calls.startsWith("[")) return null;
        List<String[]> found = array(calls, "arguments");
        return found == null ? null : new Found(content, found);
    }

    /** A JSON array of call objects whose arguments are under {@code argsKey}; null when it is not one. */
    private static List<String[]> array(String text, String argsKey) {
        List<String[]> calls = new ArrayList<>();
        try {
            JsonNode array = JSON.readTree(text);
            if (array == null || !array.isArray()) return null;
            for (JsonNode c : array) {
                String[] call = call(c, argsKey);
                if (call == null) return null;
                calls.add(call);
            }
        } catch (Exception e) { // a generation cut short by max_tokens: the text stays content
            return null;
        }
        return calls;
    }

    private static String[] call(String json, String argsKey) {
        try {
            return call(JSON.readTree(json.strip()), argsKey);
        } catch (Exception e) {
            return null;
        }
    }

    /** {name, arguments as JSON text} of a call object; arguments absent = {}; null when it has no name. */
    private static String[] call(JsonNode c, String argsKey) {
        if (c == null || !c.path("name").isTextual() || c.path("name").textValue().isBlank()) return null;
        JsonNode args = c.path(argsKey);
        return new String[] {c.get("name").textValue(), args.isMissingNode() ? "{}" : args.toString()};
    }
}
