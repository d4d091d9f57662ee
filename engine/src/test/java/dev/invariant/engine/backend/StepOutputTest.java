package dev.invariant.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.sample.GreedyChoice;
import dev.invariant.engine.sample.Sampler;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Backend#forward(List, boolean[])}'s default (the greedy choice scanned on the host) against {@link Sampler}
 * on the full row: on rows built to hit every edge (ties, -0 / +0, -inf, NaN and +inf anywhere, vocabularies of one
 * to a few thousand ids) the token, or the error, is the same.
 */
class StepOutputTest {
    private static final SamplingParams GREEDY = SamplingParams.greedy(4);
    private static final int[] HISTORY = {5, 6};

    /** Values from a small pool, so that ties at the maximum, -0 / +0 and infinities are common. */
    static float[] row(SplittableRandom rnd, int n) {
        float[] pool = {-0f, 0f, 1f, -1f, 3.25f, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.MIN_VALUE, -Float.MIN_VALUE};
        float[] v = new float[n];
        int kind = rnd.nextInt(6);
        for (int i = 0; i < n; i++) {
            v[i] = switch (kind) {
                case 0 -> Float.NEGATIVE_INFINITY;
                case 1 -> rnd.nextBoolean() ? -0f : (rnd.nextBoolean() ? 0f : -1f);
                default -> rnd.nextInt(3) == 0 ? pool[rnd.nextInt(pool.length)] : (float) rnd.nextGaussian();
            };
        }
        int spoil = rnd.nextInt(4);  // 0-1: none; 2: NaN somewhere; 3: +inf somewhere (with a NaN after it or not)
        if (spoil >= 2) v[rnd.nextInt(n)] = spoil == 2 ? Float.intBitsToFloat(0x7fc00000 | rnd.nextInt(1 << 22)) : Float.POSITIVE_INFINITY;
        if (spoil == 3 && rnd.nextBoolean()) v[rnd.nextInt(n)] = Float.NaN;
        return v;
    }

    @Test
    void theDefaultScanChoosesWhatTheSamplerChooses() {
        SplittableRandom rnd = new SplittableRandom(17);
        List<float[]> rows = new ArrayList<>();
        for (int t = 0; t < 3000; t++) rows.add(row(rnd, 1 + rnd.nextInt(t % 20 == 0 ? 3000 : 40)));
        rows.add(new float[] {-0f, 0f});
        rows.add(new float[] {0f, -0f});
        rows.add(new float[] {Float.NEGATIVE_INFINITY});
        rows.add(new float[] {Float.NaN, 1f, Float.POSITIVE_INFINITY});
        boolean[] greedyOnly = new boolean[rows.size()];
        for (int i = 0; i < greedyOnly.length; i++) greedyOnly[i] = i % 3 != 1;
        StepOutput out = new Rows(rows).forward(chunks(rows.size()), greedyOnly);
        for (int i = 0; i < rows.size(); i++) {
            float[] v = rows.get(i);
            if (!greedyOnly[i]) {
                assertSame(v, out.logits()[i], "row " + i + " passed through");
                assertNull(out.greedy()[i]);
                continue;
            }
            assertNull(out.logits()[i], "row " + i + ": no row for a greedy-only chunk");
            GreedyChoice c = out.greedy()[i];
            assertEquals(outcome(() -> Sampler.sample(v, GREEDY, 0L, 2, HISTORY, 1)),
                    outcome(() -> Sampler.greedy(c, GREEDY, 2, HISTORY, 1)), "row " + i);
        }
    }

    @Test
    void aChunkWithoutLogitsGetsNeither() {
        float[][] rows = {null, {1f, 2f}};
        StepOutput out = StepOutput.fromRows(rows, new boolean[] {true, true});
        assertNull(out.logits()[0]);
        assertNull(out.greedy()[0]);
        assertEquals(new GreedyChoice(1, -1, 0f), out.greedy()[1]);
    }

    @Test
    void aGreedyChoiceAnswersOnlyWhatItsArgmaxDecides() {
        GreedyChoice c = new GreedyChoice(1, -1, 0f);
        for (SamplingParams p : List.of(SamplingParams.builder().temperature(0.5f).build(),
                SamplingParams.builder().repetitionPenalty(1.1f).build(),
                SamplingParams.builder().presencePenalty(0.1f).build(),
                SamplingParams.builder().frequencyPenalty(-0.1f).build(),
                SamplingParams.builder().logitBias(java.util.Map.of(0, 1f)).build(),
                SamplingParams.builder().allowedTokenIds(List.of(1)).build(),
                SamplingParams.builder().minTokens(1).build())) {
            assertThrows(IllegalArgumentException.class, () -> Sampler.greedy(c, p, 0, HISTORY, 1), p.toString());
        }
        EngineException e = assertThrows(EngineException.class, () -> Sampler.greedy(c, GREEDY, -1, HISTORY, 1));
        assertEquals("output position must be >= 0, got -1", e.getMessage());
    }

    /** The token as a string, or the error's code and message. */
    private static String outcome(java.util.function.IntSupplier choose) {
        try {
            return "token " + choose.getAsInt();
        } catch (EngineException e) {
            return e.code() + ": " + e.getMessage();
        }
    }

    private static List<SeqChunk> chunks(int n) {
        List<SeqChunk> c = new ArrayList<>();
        for (int i = 0; i < n; i++) c.add(new SeqChunk(i, new int[] {1}, 0, new int[] {i}, true));
        return c;
    }

    /** A backend whose forward pass returns fixed rows: what the default method is given to scan. */
    private record Rows(List<float[]> rows) implements Backend {
        @Override
        public float[][] forward(List<SeqChunk> chunks) {
            return rows.toArray(new float[0][]);
        }

        @Override
        public Model model() {
            throw new UnsupportedOperationException();
        }

        @Override
        public NumericsProfile profile() {
            return NumericsProfile.PORTABLE;
        }

        @Override
        public int blockSize() {
            return 16;
        }

        @Override
        public int numBlocks() {
            return rows.size();
        }

        @Override
        public String describe() {
            return "fixed rows";
        }

        @Override
        public void close() {
        }
    }
}
