package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.JsonTools.Choice;
import dev.invariant.engine.api.SequenceOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The calls a chat completion makes, read from its text as vLLM's {@code hermes} parser reads them (Qwen2.5, Qwen3,
 * Hermes and the templates written like theirs): with {@code tool_choice} "auto" each
 * {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>} block is a call and the text before the first is
 * the content; with "required" the text is vLLM's JSON array of {@code {"name", "parameters"}}; with a named function
 * it is that function's arguments. Text that does not parse stays content, with no calls, as in vLLM. The text itself
 * (and its output hash) is what the model wrote; the calls are read from it, so the same text gives the same calls,
 * ids included.
 */
final class OpenAiToolCalls {
    private static final Pattern BLOCK = Pattern.compile("<tool_call>(.*?)</tool_call>|<tool_call>(.*)", Pattern.DOTALL);
    private static final String OPEN = "<tool_call>";

    private OpenAiToolCalls() {
    }

    /** A choice's message content (null when only calls) and its calls. */
    record Parsed(String content, List<Call> calls) {
        boolean any() {
            return !calls.isEmpty();
        }
    }

    /** One call: the function's name and its arguments as JSON text. */
    record Call(String name, String arguments) {
    }

    static Parsed parse(Choice choice, boolean parallel, String text) {
        return switch (choice.mode()) {
            case NONE -> new Parsed(text, List.of());
            case NAMED -> new Parsed(null, List.of(new Call(choice.name(), text)));
            case REQUIRED -> required(text);
            case AUTO -> auto(text, parallel);
        };
    }

    private static Parsed required(String text) {
        List<Call> calls = new ArrayList<>();
        try {
            for (JsonNode c : OpenAiResponses.JSON.readTree(text)) {
                calls.add(new Call(c.get("name").textValue(), c.get("parameters").toString()));
            }
        } catch (Exception e) { // a generation cut short by max_tokens: the text stays content
            return new Parsed(text, List.of());
        }
        return new Parsed(null, calls);
    }

    private static Parsed auto(String text, boolean parallel) {
        int first = text.indexOf(OPEN);
        if (first < 0) return new Parsed(text, List.of());
        List<Call> calls = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = (m.group(1) != null ? m.group(1) : m.group(2)).strip();
            try {
                JsonNode c = OpenAiResponses.JSON.readTree(body);
                JsonNode args = c.path("arguments");
                calls.add(new Call(c.get("name").textValue(), args.isMissingNode() ? "{}" : args.toString()));
            } catch (Exception e) {
                return new Parsed(text, List.of());
            }
        }
        if (!parallel && calls.size() > 1) calls = calls.subList(0, 1);
        String content = text.substring(0, first);
        return new Parsed(content.isBlank() ? null : content, calls);
    }

    /**
     * OpenAI's {@code tool_calls} of choice {@code o}: ids made from the output's hash, so that the same output gives
     * the same ids; {@code streamed} adds each call's {@code index}, as a streamed delta carries it.
     */
    static ArrayNode json(Parsed p, SequenceOutput o, boolean streamed) {
        ArrayNode calls = OpenAiResponses.JSON.createArrayNode();
        for (int i = 0; i < p.calls().size(); i++) {
            Call c = p.calls().get(i);
            ObjectNode call = calls.addObject();
            if (streamed) call.put("index", i);
            call.put("id", "call_" + o.outputHash().substring(0, 24) + "_" + i).put("type", "function");
            call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
        }
        return calls;
    }

    /** The finish reason a choice with these calls reports: OpenAI's "tool_calls", except for a named function. */
    static String finishReason(Choice choice, Parsed p, String reason) {
        return p.any() && choice.mode() != JsonTools.Mode.NAMED && reason.equals("stop") ? "tool_calls" : reason;
    }
}
