package dev.invariant.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.Prompt;
import java.util.ArrayList;
import java.util.List;

/**
 * An InferenceRequest's chat (messages, tools, tool_choice, parallel_tool_calls and how the template renders them:
 * add_generation_prompt, continue_final_message, chat_template_kwargs, documents) to the engine's and back. The Avro
 * fields are read as the JSON request they spell, through {@link JsonRequests#chat}: one mapping, the same checks
 * and the same error fields as on HTTP (docs/requests.md, Tool calling).
 */
public final class ChatMapping {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatMapping() {
    }

    /** The request's chat as the engine's prompt. */
    public static Prompt.Chat chat(InferenceRequest r) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : r.getMessages()) {
            ObjectNode o = messages.addObject().put("role", m.getRole()).put("content", m.getContent());
            if (m.getToolCalls() != null) {
                ArrayNode calls = o.putArray("tool_calls");
                for (ToolCall c : m.getToolCalls()) {
                    ObjectNode call = calls.addObject().put("id", c.getId()).put("type", "function");
                    call.putObject("function").put("name", c.getName()).put("arguments", c.getArguments());
                }
            }
            if (m.getToolCallId() != null) o.put("tool_call_id", m.getToolCallId());
            if (m.getName() != null) o.put("name", m.getName());
            if (m.getReasoning() != null) o.put("reasoning", m.getReasoning());
        }
        if (r.getTools() != null) body.set("tools", json("tools", r.getTools()));
        String choice = r.getToolChoice();
        if (choice != null) body.set("tool_choice", choice.strip().startsWith("{") ? json("tool_choice", choice)
                : JSON.getNodeFactory().textNode(choice));
        body.put("parallel_tool_calls", r.getParallelToolCalls());
        body.put("add_generation_prompt", r.getAddGenerationPrompt());
        body.put("continue_final_message", r.getContinueFinalMessage());
        if (r.getChatTemplateKwargs() != null) body.set("chat_template_kwargs", json("chat_template_kwargs", r.getChatTemplateKwargs()));
        if (r.getDocuments() != null) body.set("documents", json("documents", r.getDocuments()));
        return JsonRequests.chat(JsonFields.of(body));
    }

    /** A request without messages may not set the chat's fields: refused naming the first one set. */
    public static void refuseWithoutMessages(InferenceRequest r) {
        String set = r.getTools() != null ? "tools" : r.getToolChoice() != null ? "tool_choice"
                : !r.getAddGenerationPrompt() ? "add_generation_prompt" : r.getContinueFinalMessage() ? "continue_final_message"
                : r.getChatTemplateKwargs() != null ? "chat_template_kwargs" : r.getDocuments() != null ? "documents" : null;
        if (set != null) {
            throw EngineException.invalid(set, "'" + set + "' goes with messages (a chat, rendered by the model's"
                    + " template), not with prompt or prompt_token_ids");
        }
    }

    /** The engine's chat as the request's fields. */
    public static void write(Prompt.Chat c, InferenceRequest.Builder b) {
        List<ChatMessage> messages = new ArrayList<>();
        for (var m : c.messages()) {
            List<ToolCall> calls = m.toolCalls().isEmpty() ? null : m.toolCalls().stream()
                    .map(t -> new ToolCall(t.id(), t.name(), t.arguments())).toList();
            messages.add(new ChatMessage(m.role(), m.content(), calls, m.toolCallId(), m.name(), m.reasoning()));
        }
        b.setMessages(messages).setTools(c.tools()).setParallelToolCalls(c.parallelToolCalls())
                .setAddGenerationPrompt(c.rendering().addGenerationPrompt())
                .setContinueFinalMessage(c.rendering().continueFinalMessage())
                .setChatTemplateKwargs(c.rendering().templateKwargs()).setDocuments(c.rendering().documents());
        JsonTools.Choice choice = c.toolChoice();
        b.setToolChoice(switch (choice.mode()) {
            case NONE -> c.tools() == null ? null : "none";
            case AUTO -> "auto";
            case REQUIRED -> "required";
            case NAMED -> JSON.createObjectNode().put("type", "function").set("function",
                    JSON.createObjectNode().put("name", choice.name())).toString();
        });
    }

    private static JsonNode json(String field, String text) {
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw EngineException.invalid(field, "'" + field + "' is not valid JSON: " + e.getOriginalMessage());
        }
    }
}
