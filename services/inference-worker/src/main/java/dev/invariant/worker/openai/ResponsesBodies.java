package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.MessageReader;
import dev.invariant.engine.api.MessageReader.Message;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.text.ToolCall;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The Responses API's bodies for one answer: the {@code response} object (whole, or as a stream's first and last
 * events carry it) and its output items, read from the answer's text by the worker's {@link MessageReader} as a chat
 * message is: a {@code reasoning} item (the {@code <think>} block, with a reasoning parser), a {@code message} item
 * (the content, as one {@code output_text} part) and a {@code function_call} item per call. Besides OpenAI's fields
 * the response carries {@code fingerprint}, {@code output_hash} and {@code system_fingerprint}, as every answer here.
 *
 * @param request          the caller's body, whose settings the response repeats (OpenAI's shape)
 * @param includeReasoning whether the reasoning read out of the text is an output item (vLLM's include_reasoning)
 * @param tokenText        a token's text for the output text's log-probabilities; null when they were not asked for
 *                         (include {@code message.output_text.logprobs}), and its {@code logprobs} list is empty
 */
record ResponsesBodies(String id, long createdAt, String model, String systemFingerprint, JsonNode request,
                       Prompt prompt, MessageReader messages, boolean includeReasoning, IntFunction<String> tokenText) {

    /** The chat's tool choice (none without tools). */
    JsonTools.Choice toolChoice() {
        return MessageReader.toolChoice(prompt);
    }

    /** Whether the answer may make calls, known only at its end (so a stream sends its call items then). */
    boolean callsTools() {
        return MessageReader.readsCalls(prompt);
    }

    String reasoningId() {
        return "rs_" + tail();
    }

    String messageId() {
        return "msg_" + tail();
    }

    private String tail() {
        return id.substring(id.indexOf('_') + 1);
    }

    /** The response as the stream's first events show it: in progress, no output yet. */
    ObjectNode inProgress() {
        ObjectNode r = head("in_progress");
        r.putArray("output");
        r.putNull("usage");
        return r;
    }

    /** The whole response to result {@code g}. */
    ObjectNode complete(GenerationResult g) {
        boolean cut = g.finishReason() == FinishReason.LENGTH;
        ObjectNode r = head(cut ? "incomplete" : "completed");
        if (cut) r.putObject("incomplete_details").put("reason", "max_output_tokens");
        Message m = message(g);
        ArrayNode output = r.putArray("output");
        if (m.reasoning() != null && includeReasoning) output.add(reasoningItem(m.reasoning(), "completed"));
        if (hasMessage(m)) {
            output.add(messageItem(m.content(), cut ? "incomplete" : "completed", logprobs(g.logprobs())));
        }
        for (int i = 0; i < m.calls().size(); i++) output.add(callItem(m.calls().get(i), i, "completed"));
        ObjectNode usage = r.putObject("usage").put("input_tokens", g.promptTokenIds().length);
        usage.putObject("input_tokens_details").put("cached_tokens", 0);
        usage.put("output_tokens", g.tokenIds().length);
        usage.putObject("output_tokens_details").put("reasoning_tokens", messages.reasoningTokens(m, g.tokenIds()));
        usage.put("total_tokens", g.promptTokenIds().length + g.tokenIds().length);
        r.put("fingerprint", g.fingerprint()).put("output_hash", g.outputHash());
        return r;
    }

    Message message(GenerationResult g) {
        return messages.read(prompt, g.promptTokenIds(), g.text(), g.outputHash());
    }

    /** A message item when there is content, or when there is nothing else to show. */
    static boolean hasMessage(Message m) {
        return m.content() != null || m.reasoning() == null && !m.anyCalls();
    }

    ObjectNode reasoningItem(String text, String status) {
        ObjectNode item = OpenAiResponses.JSON.createObjectNode().put("type", "reasoning").put("id", reasoningId());
        item.putArray("summary");
        if (text != null) item.putArray("content").add(reasoningPart(text));
        return item.put("status", status);
    }

    /** The message item; its text part (none while text is null) with {@code logprobs}. */
    ObjectNode messageItem(String text, String status, ArrayNode logprobs) {
        ObjectNode item = OpenAiResponses.JSON.createObjectNode().put("type", "message").put("id", messageId())
                .put("status", status).put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (text != null) content.add(textPart(text, logprobs));
        return item;
    }

    /**
     * The output text's log-probabilities: every generated token's, as vLLM lists them (a reasoning parser's
     * thinking and a call's text included, which the text part does not show); empty when not asked for.
     */
    ArrayNode logprobs(List<TokenLogprob> lps) {
        return tokenText == null || lps == null ? OpenAiResponses.JSON.createArrayNode()
                : OpenAiLogprobs.entries(lps, tokenText);
    }

    ObjectNode callItem(ToolCall c, int index, String status) {
        return OpenAiResponses.JSON.createObjectNode().put("type", "function_call").put("id", "fc_" + tail() + "_"
                + index).put("call_id", c.id()).put("name", c.name()).put("arguments", c.arguments())
                .put("status", status);
    }

    static ObjectNode textPart(String text, ArrayNode logprobs) {
        ObjectNode part = OpenAiResponses.JSON.createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.set("logprobs", logprobs);
        return part;
    }

    static ObjectNode reasoningPart(String text) {
        return OpenAiResponses.JSON.createObjectNode().put("type", "reasoning_text").put("text", text);
    }

    /** OpenAI's response head: the settings it ran with, as the caller gave them or their defaults. */
    private ObjectNode head(String status) {
        ObjectNode r = OpenAiResponses.JSON.createObjectNode().put("id", id).put("object", "response")
                .put("created_at", createdAt).put("status", status);
        r.putNull("error");
        r.putNull("incomplete_details");
        r.set("instructions", request.path("instructions").isTextual() ? request.get("instructions") : null);
        r.set("max_output_tokens", request.path("max_output_tokens").isNumber() ? request.get("max_output_tokens")
                : null);
        r.put("model", model);
        r.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
        r.putNull("previous_response_id");
        r.putObject("reasoning").putNull("effort").putNull("summary");
        r.put("store", false);
        r.put("temperature", request.path("temperature").asDouble(1.0));
        r.set("text", request.path("text").isObject() ? request.get("text")
                : OpenAiResponses.JSON.createObjectNode().set("format", OpenAiResponses.JSON.createObjectNode()
                        .put("type", "text")));
        r.set("tool_choice", request.has("tool_choice") ? request.get("tool_choice")
                : OpenAiResponses.JSON.getNodeFactory().textNode(request.has("tools") ? "auto" : "none"));
        r.set("tools", request.path("tools").isArray() ? request.get("tools") : OpenAiResponses.JSON.createArrayNode());
        r.put("top_p", request.path("top_p").asDouble(1.0));
        r.put("truncation", "disabled");
        r.set("metadata", request.path("metadata").isObject() ? request.get("metadata")
                : OpenAiResponses.JSON.createObjectNode());
        r.put("system_fingerprint", systemFingerprint);
        return r;
    }
}
