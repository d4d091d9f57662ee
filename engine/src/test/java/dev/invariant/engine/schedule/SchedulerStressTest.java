package dev.invariant.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.kv.BlockManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random arrivals, lengths, cancellations and early stops on a pool small enough to preempt often, checking every
 * invariant after every step ({@link SimulatedEngine}) and that every completed sequence generated exactly what it
 * generates alone.
 */
class SchedulerStressTest {
    private static final int VOCAB = 40;
    private static final int EOS = 0;

    @ParameterizedTest(name = "seed {0}, prefix caching {1}")
    @CsvSource({"1, true", "2, true", "3, false", "4, true"})
    void invariantsHoldUnderRandomLoad(long seed, boolean prefixCaching) {
        SplittableRandom rnd = new SplittableRandom(seed);
        var config = new SchedulerConfig(8, 24, 1 + rnd.nextInt(16), 12, 36, 1 + rnd.nextInt(6), prefixCaching);
        var e = new SimulatedEngine(config, VOCAB, EOS);
        int[][] prefixes = new int[4][];
        for (int i = 0; i < prefixes.length; i++) prefixes[i] = randomTokens(rnd, rnd.nextInt(24));
        int capacity = config.numBlocks() * config.blockSize();
        long nextId = 0;
        int overloaded = 0, tooLong = 0, cancelled = 0;
        for (int step = 0; step < 3000; step++) {
            for (int k = rnd.nextInt(3); k > 0; k--) {
                int[] prompt = concat(prefixes[rnd.nextInt(prefixes.length)], randomTokens(rnd, 1 + rnd.nextInt(20)));
                int maxTokens = 1 + rnd.nextInt(rnd.nextInt(20) == 0 ? capacity : 30);
                Sequence s = new Sequence(nextId++, prompt, maxTokens);
                boolean fits = e.scheduler.fits(prompt.length + maxTokens);
                boolean room = e.scheduler.canAdmit();
                try {
                    e.add(s);
                    assertTrue(fits && room);
                } catch (EngineException x) {
                    assertEquals(fits ? ErrorCode.OVERLOADED : ErrorCode.KV_CACHE_TOO_SMALL, x.code());
                    assertFalse(fits && room);
                    if (fits) overloaded++;
                    else tooLong++;
                }
            }
            if (rnd.nextInt(50) == 0 && !e.live.isEmpty()) {
                List<Sequence> live = new ArrayList<>(e.live.values());
                Sequence victim = live.get(rnd.nextInt(live.size()));
                e.scheduler.finish(victim);
                e.live.remove(victim.seqId());
                cancelled++;
            }
            e.step();
        }
        e.runToCompletion(20_000);

        e.checkOutputsMatchReference();
        e.checkAccounting();
        BlockManager bm = e.scheduler.blockManager();
        assertEquals(bm.numBlocks(), bm.numFreeBlocks());
        assertEquals(0.0, e.scheduler.kvUsage());
        assertFalse(e.scheduler.hasWork());
        // the load must have exercised what it claims to
        assertTrue(e.finished.size() > 200, "finished " + e.finished.size());
        assertTrue(e.preemptions > 0, "no preemption");
        assertTrue(overloaded > 0 && tooLong > 0 && cancelled > 0, overloaded + " " + tooLong + " " + cancelled);
        assertTrue(e.history.stream().anyMatch(b -> b.chunks().stream().anyMatch(c -> !c.wantLogits())), "no chunked prefill");
        if (prefixCaching) assertTrue(bm.prefixCacheHits() > 0, "no prefix hit");
        else assertEquals(0, bm.prefixCacheQueries());
    }

    private static int[] randomTokens(SplittableRandom rnd, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 1 + rnd.nextInt(VOCAB - 1);
        return t;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
