package dev.invariant.bench.pipeline;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/** Side A: the engine in this JVM, fed through {@link Engine#submit} with the same arrival pattern as side B. */
final class DirectSide implements AutoCloseable {
    static final String NAME = "engine";

    private final Engine engine;

    DirectSide(EngineConfig config) {
        this.engine = Engine.open(config);
    }

    Trial run(List<Request> requests, Arrival arrival, int repeat, int maxTokens) throws InterruptedException {
        int n = requests.size();
        long[] sent = new long[n];
        long[] done = new long[n];
        GenerationResult[] results = new GenerationResult[n];
        CountDownLatch finished = new CountDownLatch(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            arrival.awaitTurn(start, i);
            int slot = i;
            sent[i] = System.nanoTime();
            CompletableFuture<GenerationResult> f = engine.submit(requests.get(i), TokenListener.NONE);
            f.whenComplete((r, e) -> {
                done[slot] = System.nanoTime();
                results[slot] = r;
                finished.countDown();
            });
        }
        finished.await();
        long end = 0;
        long[] latency = new long[n];
        String[] hashes = new String[n];
        long tokens = 0;
        for (int i = 0; i < n; i++) {
            GenerationResult r = results[i];
            if (r == null || !r.ok() || r.tokenIds().length != maxTokens) {
                throw new EngineException(ErrorCode.INTERNAL, "engine request " + requests.get(i).requestId()
                        + " did not produce " + maxTokens + " tokens: " + (r == null ? "no result" : r.error()));
            }
            latency[i] = done[i] - sent[i];
            hashes[i] = r.outputHash();
            tokens += r.tokenIds().length;
            end = Math.max(end, done[i]);
        }
        return new Trial(NAME, arrival, repeat, end - sent[0], latency, hashes, tokens, null);
    }

    @Override
    public void close() {
        engine.close();
    }
}
