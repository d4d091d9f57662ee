package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * OpenAI's Responses API request ({@code POST /v1/responses}) as the chat request it spells, so that it goes through
 * the one request contract ({@link OpenAiRequests}, then {@code JsonRequests}): {@code input} (a string, or message,
 * {@code function_call} and {@code function_call_output} items) and {@code instructions} become {@code messages},
 * {@code max_output_tokens} {@code max_tokens}, flat function {@code tools} chat's nested ones, {@code text.format}
 * {@code response_format}. Every other field is passed on as is (vLLM's sampling extras: {@code seed},
 * {@code top_k}, {@code stop}, {@code chat_template_kwargs}, ...; {@code include} with
 * {@code message.output_text.logprobs} is chat's {@code logprobs}, with {@code top_logprobs} alternatives, as vLLM
 * reads it; fields that do not concern generation, such as
 * {@code store} or {@code metadata}, are ignored there). What the Responses API can ask and this server cannot do
 * ({@code previous_response_id}, {@code background}, built-in tools, images) is a 400 naming the field; an error in a
 * translated field names the field as the caller wrote it ({@link #param}).
 */
final class ResponsesRequests {
    /** Chat field → the Responses field it came from, for error params; prefixes, longest first. */
    private static final List<Map.Entry<String, String>> NAMES = List.of(
            Map.entry("response_format", "text.format"), Map.entry("max_tokens", "max_output_tokens"),
            Map.entry("messages", "input"));

    private ResponsesRequests() {
    }

    /**
     * A translated request: the chat body, and per chat message the {@code input} item it came from (-1:
     * {@code instructions}; a turn of several function calls: its first call's), so an error about a message names
     * the caller's item.
     */
    record Chat(ObjectNode body, List<Integer> origins, Set<Integer> callTurns) {
        private static final Pattern MESSAGE = Pattern.compile("messages\\[(\\d+)](.*)");

        /** The Responses field a chat field's error is about ({@code messages[1].content} → {@code input[0].content}). */
        String param(String chatParam) {
            var m = chatParam == null ? null : MESSAGE.matcher(chatParam);
            if (m == null || !m.matches() || Integer.parseInt(m.group(1)) >= origins.size()) {
                return ResponsesRequests.param(chatParam);
            }
            int i = Integer.parseInt(m.group(1));
            int from = origins.get(i);
            return from < 0 ? "instructions" : "input[" + from + "]" + (callTurns.contains(i) ? "" : m.group(2));
        }
    }

    /** The chat completions body {@code body} asks for; {@link EngineException} (INVALID_PARAM) when it cannot be. */
    static Chat toChat(JsonNode body) {
        if (!body.isObject()) throw EngineException.invalid("", "the request body must be a JSON object");
        ObjectNode chat = ((ObjectNode) body).deepCopy();
        for (String field : List.of("previous_response_id", "conversation", "prompt")) {
            if (present(body, field)) {
                throw EngineException.invalid(field, field + " is not supported: this server stores no responses or"
                        + " prompts; send the whole conversation in input (and instructions)");
            }
        }
        if (body.path("background").asBoolean(false)) {
            throw EngineException.invalid("background", "background responses are not supported: send background"
                    + " false (the default) and wait for the answer, or stream it");
        }
        for (String field : List.of("n", "best_of", "use_beam_search")) {
            if (present(body, field)) {
                throw EngineException.invalid(field, field + " is not part of the Responses API, which answers one"
                        + " output: use /v1/chat/completions for several choices or beams");
            }
        }
        ArrayNode messages = chat.putArray("messages");
        List<Integer> origins = new ArrayList<>();
        Set<Integer> callTurns = new HashSet<>();
        if (present(body, "instructions")) {
            if (!body.get("instructions").isTextual()) throw wrongType("instructions", "a string");
            messages.addObject().put("role", "system").put("content", body.get("instructions").textValue());
            origins.add(-1);
        }
        input(body.path("input"), messages, origins, callTurns);
        // vLLM's rule: the output text's log-probabilities only when include asks for them, top_logprobs alternatives
        if (includes(body, OUTPUT_LOGPROBS)) chat.put("logprobs", true);
        else chat.remove("top_logprobs");
        chat.remove(List.of("input", "instructions", "text", "max_output_tokens", "store", "include", "truncation",
                "reasoning", "metadata", "background", "service_tier", "prompt_cache_key", "safety_identifier",
                "stream_options")); // the Responses API's stream_options (include_obfuscation) are not chat's
        if (present(body, "max_output_tokens")) chat.set("max_tokens", body.get("max_output_tokens"));
        if (present(body, "tools")) chat.set("tools", tools(body.get("tools")));
        if (body.path("tool_choice").isObject()) chat.set("tool_choice", toolChoice(body.get("tool_choice")));
        JsonNode format = body.path("text").path("format");
        if (!format.isMissingNode() && !format.isNull()) chat.set("response_format", format(format));
        return new Chat(chat, List.copyOf(origins), Set.copyOf(callTurns));
    }

    /** {@code include}'s value asking for the output text's log-probabilities (OpenAI's name). */
    static final String OUTPUT_LOGPROBS = "message.output_text.logprobs";

    /**
     * Whether {@code include} (an array of OpenAI's names of what a response may add) names {@code what}; the other
     * names concern tools and media this server does not have, and add nothing.
     */
    private static boolean includes(JsonNode body, String what) {
        if (!present(body, "include")) return false;
        JsonNode include = body.get("include");
        boolean found = false;
        if (include.isArray()) {
            for (JsonNode n : include) {
                if (!n.isTextual()) throw wrongType("include", "an array of strings");
                found |= n.textValue().equals(what);
            }
            return found;
        }
        throw wrongType("include", "an array of strings");
    }

    /** The Responses field a chat field other than a message is about ({@code max_tokens} → {@code max_output_tokens}). */
    static String param(String chatParam) {
        if (chatParam == null) return null;
        for (var e : NAMES) {
            if (chatParam.equals(e.getKey()) || chatParam.startsWith(e.getKey() + ".")
                    || chatParam.startsWith(e.getKey() + "[")) {
                return e.getValue() + chatParam.substring(e.getKey().length());
            }
        }
        if (chatParam.matches("tools\\[\\d+]\\.function\\..*")) return chatParam.replace(".function.", ".");
        return chatParam;
    }

    /**
     * A string is one user message; an array holds message, function call and reasoning items, in order. A reasoning
     * item is the thinking of the assistant turn it precedes (a message or a run of function calls) and is handed to
     * the template on that turn, as the model wrote them; one that no assistant turn follows is a turn of its own.
     */
    private static void input(JsonNode input, ArrayNode messages, List<Integer> origins, Set<Integer> callTurns) {
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.textValue());
            origins.add(0);
            return;
        }
        if (!input.isArray() || input.isEmpty()) throw wrongType("input", "a string or a non-empty array of items");
        ArrayNode calls = null; // consecutive function_call items: one assistant turn
        String reasoning = null; // a reasoning item's text, until the assistant turn it belongs to
        int reasoningAt = -1;
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            String type = item.path("type").asText("message");
            if (!type.equals("function_call")) calls = null;
            boolean assistantTurn = type.equals("function_call") && calls == null
                    || type.equals("message") && item.path("role").asText().equals("assistant");
            if (reasoning != null && !assistantTurn) {
                thinkingAlone(messages, reasoning);
                origins.add(reasoningAt);
                reasoning = null;
            }
            if (!type.equals("reasoning") && calls == null) origins.add(i);
            ObjectNode turn = null;
            switch (type) {
                case "message" -> turn = messages.addObject().put("role", item.path("role").asText(""))
                        .set("content", content(item.path("content"), at + ".content"));
                case "function_call" -> {
                    if (calls == null) {
                        callTurns.add(messages.size());
                        turn = messages.addObject().put("role", "assistant");
                        turn.putNull("content");
                        calls = turn.putArray("tool_calls");
                    }
                    ObjectNode call = calls.addObject().put("id", item.path("call_id").asText()).put("type", "function");
                    call.putObject("function").put("name", item.path("name").asText())
                            .put("arguments", item.path("arguments").asText("{}"));
                }
                case "function_call_output" -> messages.addObject().put("role", "tool")
                        .put("tool_call_id", item.path("call_id").asText())
                        .set("content", item.path("output").isTextual() ? item.get("output")
                                : content(item.path("output"), at + ".output"));
                case "reasoning" -> {
                    reasoning = reasoningText(item, at);
                    reasoningAt = i;
                }
                default -> throw EngineException.invalid(at + ".type", at + " is a '" + type + "' item: this server"
                        + " reads message, function_call, function_call_output and reasoning items");
            }
            if (turn != null && reasoning != null) {
                turn.put("reasoning", reasoning);
                reasoning = null;
            }
        }
        if (reasoning != null) {
            thinkingAlone(messages, reasoning);
            origins.add(reasoningAt);
        }
    }

    private static void thinkingAlone(ArrayNode messages, String reasoning) {
        messages.addObject().put("role", "assistant").put("reasoning", reasoning).putNull("content");
    }

    /**
     * A reasoning item's text: its reasoning_text content, else its summary (what vLLM reads, in that order); null for
     * an item with neither, which says nothing the template could write.
     */
    private static String reasoningText(JsonNode item, String at) {
        if (present(item, "encrypted_content")) {
            throw EngineException.invalid(at + ".encrypted_content", at + " has encrypted_content, which this server"
                    + " never writes and cannot read: send the reasoning as content (reasoning_text) or leave the"
                    + " item out");
        }
        for (String field : List.of("content", "summary")) {
            JsonNode parts = item.path(field);
            if (parts.isArray() && !parts.isEmpty()) {
                JsonNode text = parts.get(0).path("text");
                if (!text.isTextual()) throw wrongType(at + "." + field + "[0].text", "a string");
                return text.textValue();
            }
        }
        return null;
    }

    /** A message's content: a string, or text parts (input_text, output_text), joined. */
    private static JsonNode content(JsonNode content, String at) {
        if (content.isTextual()) return content;
        if (!content.isArray()) throw wrongType(at, "a string or an array of text parts");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText();
            if (!List.of("input_text", "output_text", "text").contains(type) || !part.path("text").isTextual()) {
                throw EngineException.invalid(at + "[" + i + "]", at + "[" + i + "] is a '" + type + "' part: this"
                        + " server reads text parts (input_text, output_text) only");
            }
            text.append(part.get("text").textValue());
        }
        return OpenAiResponses.JSON.getNodeFactory().textNode(text.toString());
    }

    /** Flat function tools ({type, name, description, parameters, strict}) as chat's {type, function: {...}}. */
    private static ArrayNode tools(JsonNode tools) {
        if (!tools.isArray()) throw wrongType("tools", "an array of function tools");
        ArrayNode out = OpenAiResponses.JSON.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            if (!t.isObject()) throw wrongType("tools[" + i + "]", "an object");
            if (!t.path("type").asText().equals("function")) {
                throw EngineException.invalid("tools[" + i + "].type", "tools[" + i + "] is a '" + t.path("type")
                        .asText() + "' tool: this server runs function tools only");
            }
            ObjectNode fn = ((ObjectNode) t).deepCopy();
            fn.remove(List.of("type", "strict"));
            out.addObject().put("type", "function").set("function", fn);
        }
        return out;
    }

    /** {type: function, name} as chat's {type: function, function: {name}}. */
    private static JsonNode toolChoice(JsonNode choice) {
        if (!choice.path("type").asText().equals("function") || !choice.path("name").isTextual()) {
            throw EngineException.invalid("tool_choice", "tool_choice must be none, auto, required or {\"type\":"
                    + " \"function\", \"name\": ...}");
        }
        ObjectNode out = OpenAiResponses.JSON.createObjectNode().put("type", "function");
        out.putObject("function").put("name", choice.get("name").textValue());
        return out;
    }

    /** text.format: {type: text}, {type: json_object}, or {type: json_schema, name, schema, strict}. */
    private static JsonNode format(JsonNode format) {
        if (!format.isObject()) throw wrongType("text.format", "an object");
        String type = format.path("type").asText();
        ObjectNode out = OpenAiResponses.JSON.createObjectNode().put("type", type);
        if (type.equals("json_schema")) {
            ObjectNode schema = ((ObjectNode) format).deepCopy();
            schema.remove("type");
            out.set("json_schema", schema);
        }
        return out;
    }

    private static boolean present(JsonNode body, String field) {
        return body.has(field) && !body.get(field).isNull();
    }

    private static EngineException wrongType(String field, String expected) {
        return EngineException.invalid(field, field + " must be " + expected);
    }
}
