package dev.invariant.worker.openai;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.worker.openai.OpenAiResponses.Answer;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One streamed response as server-sent events in OpenAI's shape: the echoed prompt first (completions with
 * {@code echo}), a {@code data:} event per text delta carrying the log-probabilities of the tokens it completes, a
 * last event with the finish reason, fingerprint and output hash, the usage chunk when
 * {@code stream_options.include_usage} asks for it, then {@code data: [DONE]}. The engine thread only enqueues; the
 * HTTP worker thread writes, so a slow client never slows the engine.
 */
final class SseStream implements TokenListener, StreamingOutput {
    private final Answer answer;
    private final String echo;
    // Bounded by the request's max_tokens: one entry per generated token plus the end.
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final StringBuilder streamed = new StringBuilder();
    private final List<TokenLogprob> pending = new ArrayList<>();
    /** The first token or the result, whichever comes first: until then nothing is sent. */
    private final CompletableFuture<Object> first = new CompletableFuture<>();

    private record Token(String delta, TokenLogprob logprob) {
    }

    SseStream(Answer answer, String echo) {
        this.answer = answer;
        this.echo = echo;
    }

    @Override
    public void onToken(String requestId, int position, int tokenId, String textDelta) {
        onToken(requestId, position, tokenId, textDelta, null);
    }

    @Override
    public void onToken(String requestId, int position, int tokenId, String textDelta, TokenLogprob logprob) {
        // A token without text (held back, or part of a character) still has a log-probability to deliver.
        if (!textDelta.isEmpty() || logprob != null) events.add(new Token(textDelta, logprob));
        first.complete(Boolean.TRUE);
    }

    void finish(GenerationResult g) {
        events.add(g);
        first.complete(g);
    }

    /**
     * Completes at the first token, or with the result when it comes before any token: a request the engine
     * refuses (context rule, empty prompt, ...) is then answered with an HTTP error, as OpenAI and vLLM do, rather
     * than with a 200 stream carrying an error event.
     */
    CompletableFuture<Object> firstEvent() {
        return first;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        boolean first = true;
        int offset = 0;
        if (!echo.isEmpty()) {
            send(out, OpenAiResponses.delta(answer, echo, true, List.of(), 0).toString());
            offset = echo.length();
            first = false;
        }
        while (true) {
            Object e;
            try {
                e = events.take();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
            if (e instanceof Token t) {
                if (t.logprob != null) pending.add(t.logprob);
                if (t.delta.isEmpty()) continue;
                send(out, OpenAiResponses.delta(answer, t.delta, first, List.copyOf(pending),
                        offset + streamed.length()).toString());
                streamed.append(t.delta);
                pending.clear();
                first = false;
                continue;
            }
            GenerationResult g = (GenerationResult) e;
            if (g.ok()) {
                String text = g.text();
                String rest = text.startsWith(streamed.toString()) ? text.substring(streamed.length()) : "";
                send(out, OpenAiResponses.last(answer, rest, List.copyOf(pending), offset + streamed.length(), g)
                        .toString());
                if (answer.includeUsage()) send(out, OpenAiResponses.usageChunk(answer, g).toString());
            } else {
                send(out, OpenAiErrors.body(g.error()).toString());
            }
            send(out, "[DONE]");
            return;
        }
    }

    private static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
