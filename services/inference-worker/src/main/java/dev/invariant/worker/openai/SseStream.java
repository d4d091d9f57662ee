package dev.invariant.worker.openai;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.worker.openai.OpenAiResponses.Kind;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One streamed response as server-sent events in OpenAI's shape: a {@code data:} event per text delta, a last
 * event with the finish reason, fingerprint, output hash and usage, then {@code data: [DONE]}. The engine thread
 * only enqueues; the HTTP worker thread writes, so a slow client never slows the engine.
 */
final class SseStream implements TokenListener, StreamingOutput {
    private final Kind kind;
    private final String id;
    private final String model;
    private final long created;
    // Bounded by the request's max_tokens: one entry per generated token plus the end.
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final StringBuilder streamed = new StringBuilder();

    SseStream(Kind kind, String id, String model, long created) {
        this.kind = kind;
        this.id = id;
        this.model = model;
        this.created = created;
    }

    @Override
    public void onToken(String requestId, int position, int tokenId, String textDelta) {
        if (!textDelta.isEmpty()) events.add(textDelta);
    }

    void finish(GenerationResult g) {
        events.add(g);
    }

    @Override
    public void write(OutputStream out) throws IOException {
        boolean first = true;
        while (true) {
            Object e;
            try {
                e = events.take();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
            if (e instanceof String delta) {
                streamed.append(delta);
                send(out, OpenAiResponses.delta(kind, id, model, created, delta, first).toString());
                first = false;
                continue;
            }
            GenerationResult g = (GenerationResult) e;
            if (g.ok()) {
                String text = g.text();
                String rest = text.startsWith(streamed.toString()) ? text.substring(streamed.length()) : "";
                send(out, OpenAiResponses.last(kind, id, model, created, rest, g).toString());
            } else {
                send(out, OpenAiResponses.errorBody(g.error()).toString());
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
