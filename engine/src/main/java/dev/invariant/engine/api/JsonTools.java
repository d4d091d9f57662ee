package dev.invariant.engine.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.structured.StructuredOutput;
import dev.invariant.engine.text.ToolCall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * OpenAI's tool calling in the request contract (docs/requests.md, "Tool calling"): {@code tools} (function tools,
 * handed to the chat template), the {@code tool_calls} and {@code tool_call_id} of earlier turns, and
 * {@code tool_choice}, which for {@code "required"} or a named function becomes a structured output, as vLLM makes it:
 * the model then has to write the call.
 */
public final class JsonTools {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAI's rule for function names. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private JsonTools() {
    }

    /** What {@code tool_choice} asks of the model: nothing, a choice of its own, at least one call, or one function. */
    public enum Mode { NONE, AUTO, REQUIRED, NAMED }

    /** A request's tool choice; {@code name} is the function for {@link Mode#NAMED}, else null. */
    public record Choice(Mode mode, String name) {
        public static final Choice NONE = new Choice(Mode.NONE, null);
    }

    /** {@code tools} as JSON text for the chat template, checked; null when absent or empty. */
    public static String tools(JsonFields f) {
        Optional<JsonNode> v = f.value("tools");
        if (v.isEmpty() || (v.get().isArray() && v.get().isEmpty())) return null;
        JsonNode tools = v.get();
        if (!tools.isArray()) throw f.wrongType("tools", "an array of {type: \"function\", function: {...}} objects", tools);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            String at = "tools[" + i + "]";
            JsonNode t = tools.get(i);
            if (!t.isObject()) throw f.wrongType(at, "a {type: \"function\", function: {...}} object", t);
            var tf = new JsonFields(t, at + ".");
            String type = tf.string("type").orElse("function");
            if (!type.equals("function")) {
                throw EngineException.invalid(at + ".type", "'" + at + ".type' is '" + type + "': only function tools"
                        + " are supported");
            }
            JsonNode fn = tf.value("function").orElseThrow(() -> EngineException.invalid(at + ".function",
                    "'" + at + ".function' is required: {name, description, parameters}"));
            if (!fn.isObject()) throw tf.wrongType("function", "a {name, description, parameters} object", fn);
            var ff = new JsonFields(fn, at + ".function.");
            String name = ff.string("name").orElseThrow(() -> EngineException.invalid(at + ".function.name",
                    "'" + at + ".function.name' is required"));
            if (!NAME.matcher(name).matches()) {
                throw EngineException.invalid(at + ".function.name", "'" + at + ".function.name' must be 1 to 64"
                        + " letters, digits, underscores or dashes, got '" + name + "'");
            }
            if (names.contains(name)) {
                throw EngineException.invalid(at + ".function.name", "two tools are named '" + name + "'");
            }
            names.add(name);
            ff.string("description");
            ff.value("parameters").ifPresent(p -> {
                if (!p.isObject()) throw ff.wrongType("parameters", "a JSON schema object", p);
            });
        }
        return tools.toString();
    }

    /** The {@code tool_calls} of an assistant message: {@code [{id, type: "function", function: {name, arguments}}]}. */
    public static List<ToolCall> toolCalls(JsonFields mf) {
        Optional<JsonNode> v = mf.value("tool_calls");
        if (v.isEmpty()) return List.of();
        if (!v.get().isArray()) throw mf.wrongType("tool_calls", "an array of tool calls", v.get());
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < v.get().size(); i++) {
            JsonNode c = v.get().get(i);
            String at = "tool_calls[" + i + "]";
            if (!c.isObject()) throw mf.wrongType(at, "a {id, type, function: {name, arguments}} object", c);
            var cf = new JsonFields(c, "");
            JsonNode fn = cf.value("function").orElse(null);
            if (fn == null || !fn.isObject()) throw mf.wrongType(at + ".function", "a {name, arguments} object", fn == null ? JSON.nullNode() : fn);
            var ff = new JsonFields(fn, "");
            String name = ff.string("name").orElseThrow(() -> EngineException.invalid("messages",
                    "a tool call needs function.name"));
            // OpenAI sends the arguments as JSON text; an object is accepted as it is
            JsonNode args = ff.value("arguments").orElse(JSON.createObjectNode());
            calls.add(call(cf.string("id").orElse(null), name, args.isTextual() ? args.textValue() : args.toString()));
        }
        return calls;
    }

    /** {@code tool_choice}: absent means "auto" with tools and "none" without, as in OpenAI's API. */
    public static Choice choice(JsonFields f, String tools) {
        Optional<JsonNode> v = f.value("tool_choice");
        if (v.isEmpty()) return tools == null ? Choice.NONE : new Choice(Mode.AUTO, null);
        JsonNode c = v.get();
        Choice choice;
        if (c.isTextual()) {
            choice = switch (c.textValue()) {
                case "none" -> Choice.NONE;
                case "auto" -> new Choice(Mode.AUTO, null);
                case "required" -> new Choice(Mode.REQUIRED, null);
                default -> throw EngineException.invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\","
                        + " \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}, got '"
                        + c.textValue() + "'");
            };
        } else if (c.isObject() && c.path("function").path("name").isTextual()) {
            choice = new Choice(Mode.NAMED, c.path("function").path("name").textValue());
        } else {
            throw f.wrongType("tool_choice", "\"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\":"
                    + " {\"name\": ...}}", c);
        }
        if (choice.mode() != Mode.NONE && tools == null) {
            throw EngineException.invalid("tool_choice", "'tool_choice' is " + c + " but the request has no tools:"
                    + " give them in 'tools'");
        }
        if (choice.mode() == Mode.NAMED && !functions(tools).containsKey(choice.name())) {
            throw EngineException.invalid("tool_choice", "'tool_choice' names the function '" + choice.name()
                    + "', which is not among the tools: " + String.join(", ", functions(tools).keySet()));
        }
        return choice;
    }

    /**
     * The structured output that makes the model write the call: for a named function its arguments (an object of its
     * parameters' schema); for "required" a JSON array of one or more {@code {"name", "parameters"}} objects, one of
     * the tools each (vLLM's form; exactly one when {@code parallel} is false). Empty for "none" and "auto", where the
     * model writes what it will.
     */
    public static Optional<StructuredOutput> constraint(Choice choice, String tools, boolean parallel) {
        return switch (choice.mode()) {
            case NONE, AUTO -> Optional.empty();
            case NAMED -> {
                JsonNode params = functions(tools).get(choice.name()).get("parameters");
                yield Optional.of(hasProperties(params)
                        ? StructuredOutput.jsonSchema("tool_choice", params.toString()) : StructuredOutput.jsonObject());
            }
            case REQUIRED -> {
                ObjectNode schema = JSON.createObjectNode().put("type", "array").put("minItems", 1);
                if (!parallel) schema.put("maxItems", 1);
                ArrayNode any = schema.putObject("items").putArray("anyOf");
                functions(tools).forEach((name, fn) -> {
                    ObjectNode call = any.addObject().put("type", "object");
                    ObjectNode props = call.putObject("properties");
                    props.putObject("name").putArray("enum").add(name);
                    JsonNode params = fn.get("parameters");
                    // a function without parameters is called with {}
                    props.set("parameters", hasProperties(params) ? params
                            : JSON.createObjectNode().set("const", JSON.createObjectNode()));
                    call.putArray("required").add("name").add("parameters");
                });
                yield Optional.of(StructuredOutput.jsonSchema("tool_choice", schema.toString()));
            }
        };
    }

    /**
     * {@code params} with the structured output the chat's tool choice needs, if any: the one place a tool choice
     * reaches the sampling parameters, for every front door. Refused with another structured output; idempotent.
     */
    public static SamplingParams constrain(Prompt prompt, SamplingParams params) {
        if (!(prompt instanceof Prompt.Chat c)) return params;
        var forced = constraint(c.toolChoice(), c.tools(), c.parallelToolCalls());
        // already there: a request that went through a front door before (the CLI's record of a prompts file line)
        if (forced.isEmpty() || forced.get().equals(params.structuredOutput())) return params;
        if (params.structuredOutput() != null) {
            throw EngineException.invalid("tool_choice", "tool_choice " + c.toolChoice().mode().name().toLowerCase(
                    Locale.ROOT) + " makes the model write a call, so it cannot be combined with a structured output"
                    + " (response_format, structured_outputs or guided_*): send one of them");
        }
        return params.toBuilder().structuredOutput(forced.get()).build();
    }

    /** A call of an earlier turn, its arguments checked to be JSON (OpenAI sends them as JSON text). */
    public static ToolCall call(String id, String name, String arguments) {
        if (arguments != null && !isJson(arguments)) {
            throw EngineException.invalid("messages", "the arguments of tool call '" + name + "' are not valid"
                    + " JSON: send them as OpenAI returns them (a JSON object as a string)");
        }
        return new ToolCall(id, name, arguments);
    }

    /** The tools' functions by name, in their order. */
    public static Map<String, JsonNode> functions(String tools) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (tools == null) return out;
        for (JsonNode t : read(tools)) out.put(t.path("function").path("name").textValue(), t.path("function"));
        return out;
    }

    private static boolean hasProperties(JsonNode params) {
        return params != null && params.path("properties").isObject() && !params.path("properties").isEmpty();
    }

    static boolean isJson(String text) {
        try {
            JsonNode v = JSON.readTree(text);
            return v != null && !v.isMissingNode();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return false;
        }
    }

    private static JsonNode read(String text) {
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
