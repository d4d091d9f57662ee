package dev.invariant.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Times the tokens of a batch of concurrent generations and measures decode alone: the window opens when the
 * last sequence got its first token (every prompt is prefilled by then) and closes when the first sequence got
 * its last token (all were still decoding until then); the rate is the tokens stamped inside that window over its
 * length. Thread-safe: each sequence may be driven by its own thread.
 */
final class TokenClock {
    private final long start = System.nanoTime();
    private final List<List<Long>> stamps = new ArrayList<>();

    TokenClock(int sequences) {
        for (int i = 0; i < sequences; i++) stamps.add(new ArrayList<>());
    }

    void token(int sequence, long nanoTime) {
        List<Long> s = stamps.get(sequence);
        synchronized (s) {
            s.add(nanoTime);
        }
    }

    DecodeResult result(String engine, String dtype, int threads, int promptTokens) {
        long open = Long.MIN_VALUE;
        long close = Long.MAX_VALUE;
        for (List<Long> s : stamps) {
            if (s.size() < 2) throw new IllegalStateException("a sequence produced fewer than 2 tokens: nothing to time");
            open = Math.max(open, s.getFirst());
            close = Math.min(close, s.getLast());
        }
        long count = 0;
        for (List<Long> s : stamps) {
            for (long t : s) if (t > open && t <= close) count++;
        }
        if (count == 0 || close <= open) {
            throw new IllegalStateException("no instant where every sequence was decoding: raise --decode-tokens");
        }
        return new DecodeResult(engine, dtype, stamps.size(), threads, promptTokens, count, close - open, open - start);
    }
}
