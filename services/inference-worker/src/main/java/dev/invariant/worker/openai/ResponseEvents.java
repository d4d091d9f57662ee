package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.MessageReader.Message;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.api.ToolCallStream;
import dev.invariant.engine.text.ToolCall;
import dev.invariant.worker.engine.Generations;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One streamed Responses API answer as server-sent events in OpenAI's order: {@code response.created} and
 * {@code response.in_progress}; for each output item as its text comes, {@code response.output_item.added},
 * {@code response.content_part.added}, the deltas ({@code response.reasoning_text.delta} for a reasoning item,
 * {@code response.output_text.delta} for the message) and the matching {@code .done} events; at the end any
 * {@code function_call} items whole (a call is known only at its end; with tools, text streams while no call can
 * begin in it, as a chat stream's content does: {@link ToolCallStream}), and {@code response.completed} with the whole response, the same as the answer without
 * {@code stream} (its status {@code incomplete} when max_output_tokens cut it: vLLM's event, which the SDK's stream
 * helper takes as the final response, where it ignores OpenAI's {@code response.incomplete}). Every event has {@code type} and a
 * {@code sequence_number} from 0. Reasoning and content deltas come from the split of the text so far that
 * {@code ReasoningParser.stable} defines, so they add up to the whole response's items. With the output text's
 * log-probabilities asked for, each {@code response.output_text.delta} lists those of the tokens generated since the
 * previous one (a thinking block's and a held-back call's included), so the deltas' lists add up to the
 * {@code .done} event's and the response's. The engine thread only enqueues; the HTTP worker thread writes.
 */
final class ResponseEvents implements StreamingOutput, TokenListener {
    private final ResponsesBodies bodies;
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    /** Completes with null at the first token or the result, with the error of a request refused before that. */
    private final CompletableFuture<EngineException> start = new CompletableFuture<>();
    private int sequence;
    /** The answer's text so far as reasoning and content. */
    private final StreamedSplit split;
    /** Output index of the open reasoning / message item, -1 while none is open; the next item's index. */
    private int reasoningAt = -1;
    private int messageAt = -1;
    private int items;
    /** Log-probabilities of the tokens since the last output text delta. */
    private final List<TokenLogprob> pending = new ArrayList<>();

    /** A token's new text ("" for none) and its log-probability (null when not asked for). */
    private record Token(String delta, TokenLogprob logprob) {
    }

    private record Start(boolean opens) {
    }

    ResponseEvents(ResponsesBodies bodies) {
        this.bodies = bodies;
        this.split = new StreamedSplit(bodies.messages().reasoning(), !bodies.callsTools() ? null
                : text -> ToolCallStream.certain(bodies.messages().toolCalls(), bodies.toolChoice(), text));
    }

    @Override
    public void onStart(String requestId, int[] promptIds) {
        if (bodies.messages().splitsReasoning()) events.add(new Start(bodies.messages().opens(promptIds)));
    }

    @Override
    public void onToken(String requestId, int position, int tokenId, String textDelta) {
        onToken(requestId, position, tokenId, textDelta, null);
    }

    @Override
    public void onToken(String requestId, int position, int tokenId, String textDelta, TokenLogprob logprob) {
        if (!textDelta.isEmpty() || logprob != null) events.add(new Token(textDelta, logprob));
        start.complete(null);
    }

    /** The request's run: cancelled when the client goes away while the events are written. */
    private volatile CompletableFuture<Generations.Finished> run;

    /** The HTTP answer: the stream once the request has begun, or the error of a request refused before. */
    CompletionStage<Response> answer(CompletableFuture<Generations.Finished> run) {
        this.run = run;
        run.whenComplete((f, e) -> {
            GenerationResult g = f != null ? f.result() : GenerationResult.failed(bodies.id(), null,
                    new EngineException(ErrorCode.INTERNAL, "the answer failed: " + e, e));
            events.add(g);
            start.complete(g.ok() ? null : g.error());
        });
        return start.thenApply(error -> error != null ? OpenAiErrors.of(error)
                : Response.ok(this).type("text/event-stream").header("Cache-Control", "no-cache").build());
    }

    @Override
    public void write(OutputStream out) throws IOException {
        ClientGone.cancelsOnClose(List.of(run));
        send(out, event("response.created").set("response", bodies.inProgress()));
        send(out, event("response.in_progress").set("response", bodies.inProgress()));
        while (true) {
            Object e = SseStream.next(events);
            if (e == null) return;
            switch (e) {
                case Start s -> split.opens(s.opens());
                case Token t -> {
                    if (t.logprob() != null) pending.add(t.logprob());
                    if (!t.delta().isEmpty()) sendText(out, split.add(t.delta())); // with tools, what no call takes
                }
                case GenerationResult g -> {
                    finish(out, g);
                    return;
                }
                default -> throw new IllegalStateException("unexpected event " + e);
            }
        }
    }

    /** Deltas of the reasoning item, then of the message item, opening each at its first text. */
    private void sendText(OutputStream out, StreamedSplit.Parts parts) throws IOException {
        String thought = bodies.includeReasoning() ? parts.reasoning() : ""; // else read out of the text, not shown
        String said = parts.content();
        if (!thought.isEmpty()) {
            if (reasoningAt < 0) {
                reasoningAt = items++;
                send(out, event("response.output_item.added").put("output_index", reasoningAt)
                        .set("item", bodies.reasoningItem(null, "in_progress")));
                send(out, part("response.content_part.added", reasoningAt, bodies.reasoningId())
                        .set("part", ResponsesBodies.reasoningPart("")));
            }
            send(out, part("response.reasoning_text.delta", reasoningAt, bodies.reasoningId()).put("delta", thought));
        }
        if (!said.isEmpty()) {
            closeReasoning(out);
            openMessage(out);
            textDelta(out, said);
        }
    }

    /** A delta of the message's text with the log-probabilities of the tokens since the last one. */
    private void textDelta(OutputStream out, String said) throws IOException {
        ObjectNode delta = part("response.output_text.delta", messageAt, bodies.messageId()).put("delta", said);
        delta.set("logprobs", bodies.logprobs(pending));
        pending.clear();
        send(out, delta);
    }

    private void openMessage(OutputStream out) throws IOException {
        if (messageAt >= 0) return;
        messageAt = items++;
        send(out, event("response.output_item.added").put("output_index", messageAt)
                .set("item", bodies.messageItem(null, "in_progress", null)));
        send(out, part("response.content_part.added", messageAt, bodies.messageId())
                .set("part", ResponsesBodies.textPart("", OpenAiResponses.JSON.createArrayNode())));
    }

    private void closeReasoning(OutputStream out) throws IOException {
        if (reasoningAt < 0) return;
        String whole = split.reasoning();
        send(out, part("response.reasoning_text.done", reasoningAt, bodies.reasoningId()).put("text", whole));
        send(out, part("response.content_part.done", reasoningAt, bodies.reasoningId())
                .set("part", ResponsesBodies.reasoningPart(whole)));
        send(out, event("response.output_item.done").put("output_index", reasoningAt)
                .set("item", bodies.reasoningItem(whole, "completed")));
        reasoningAt = -1;
    }

    /** The rest of each item's text, the open items closed, the calls, and the whole response (or the failure). */
    private void finish(OutputStream out, GenerationResult g) throws IOException {
        if (!g.ok()) {
            ObjectNode error = (ObjectNode) OpenAiErrors.body(g.error()).get("error");
            send(out, event("error").put("code", error.path("code").asText()).put("message",
                    error.path("message").asText()).set("param", error.get("param")));
            ObjectNode failed = bodies.inProgress().put("status", "failed");
            failed.putObject("error").put("code", "server_error").put("message", error.path("message").asText());
            send(out, event("response.failed").set("response", failed));
            return;
        }
        Message m = bodies.message(g);
        sendText(out, split.rest(m.reasoning(), m.content()));
        closeReasoning(out);
        ObjectNode response = bodies.complete(g);
        String status = response.get("status").asText();
        if (messageAt >= 0 || ResponsesBodies.hasMessage(m)) {
            openMessage(out);
            if (!pending.isEmpty()) textDelta(out, ""); // the last tokens' log-probabilities (an end token: no text)
            String whole = split.content();
            var logprobs = bodies.logprobs(g.logprobs());
            send(out, part("response.output_text.done", messageAt, bodies.messageId()).put("text", whole)
                    .set("logprobs", logprobs));
            send(out, part("response.content_part.done", messageAt, bodies.messageId())
                    .set("part", ResponsesBodies.textPart(whole, logprobs)));
            send(out, event("response.output_item.done").put("output_index", messageAt).set("item",
                    bodies.messageItem(whole, status.equals("incomplete") ? "incomplete" : "completed", logprobs)));
        }
        for (int i = 0; i < m.calls().size(); i++) {
            ToolCall c = m.calls().get(i);
            int at = items++;
            ObjectNode item = bodies.callItem(c, i, "in_progress").put("arguments", "");
            send(out, event("response.output_item.added").put("output_index", at).set("item", item));
            String itemId = item.get("id").asText();
            send(out, event("response.function_call_arguments.delta").put("item_id", itemId).put("output_index", at)
                    .put("delta", c.arguments()));
            send(out, event("response.function_call_arguments.done").put("item_id", itemId).put("output_index", at)
                    .put("arguments", c.arguments()));
            send(out, event("response.output_item.done").put("output_index", at)
                    .set("item", bodies.callItem(c, i, "completed")));
        }
        send(out, event("response.completed").set("response", response)); // status "incomplete" when cut, as vLLM
    }

    private ObjectNode event(String type) {
        return OpenAiResponses.JSON.createObjectNode().put("type", type).put("sequence_number", sequence++);
    }

    private ObjectNode part(String type, int outputIndex, String itemId) {
        return event(type).put("item_id", itemId).put("output_index", outputIndex).put("content_index", 0);
    }

    private static void send(OutputStream out, ObjectNode event) throws IOException {
        out.write(("event: " + event.get("type").asText() + "\ndata: " + event + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
