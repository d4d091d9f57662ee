package dev.invariant.worker.kafka;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.schemas.CompletionChunk;
import java.util.List;

/**
 * Streams one request's tokens as CompletionChunk records: one chunk per generated token (seq = its output
 * position), then a final chunk carrying any text the engine held back (e.g. a possible stop string prefix).
 */
public final class ChunkStream implements TokenListener {
    private final Publisher publisher;
    private final StringBuilder streamed = new StringBuilder();
    private int next;

    public ChunkStream(Publisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public void onToken(String requestId, int position, int tokenId, String textDelta) {
        streamed.append(textDelta);
        next = position + 1;
        publisher.chunk(CompletionChunk.newBuilder().setRequestId(requestId).setSeq(position)
                .setTokenIds(List.of(tokenId)).setTextDelta(textDelta).setFinal$(false).build());
    }

    /** The last chunk, once the result is known (also for a failed request, so readers always see an end). */
    public void finish(GenerationResult g) {
        String rest = g.text().startsWith(streamed.toString()) ? g.text().substring(streamed.length()) : "";
        publisher.chunk(CompletionChunk.newBuilder().setRequestId(g.requestId()).setSeq(next)
                .setTokenIds(List.of()).setTextDelta(rest).setFinal$(true).build());
    }
}
