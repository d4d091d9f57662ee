package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineCore;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A small beam search checked against a reference written here from vLLM's description: every (beam, token) pair
 * scored by cumulative log-probability, sorted in full (no per-beam shortcut), the best 2 × width kept, the best
 * width continuing. Its logits come from separate one-token greedy runs of each prefix.
 */
class BeamReferenceTest {
    static final int WIDTH = 3;
    static final int STEPS = 4;

    record Hyp(int[] out, float cum) {
    }

    record Cand(int parent, int token, float cum) {
    }

    @Test
    void smallBeamSearchMatchesAnIndependentReference() {
        try (Engine engine = Engine.open(BatchInvarianceTest.base("stories260K"))) {
            EngineCore core = engine.core();
            int[] prompt = engine.tokenizer().encode(BatchInvarianceTest.PROMPT);
            SamplingParams p = SamplingParams.builder().maxTokens(STEPS).ignoreEos(true).useBeamSearch(true)
                    .n(WIDTH).bestOf(WIDTH).build();
            GenerationResult[] got = new GenerationResult[1];
            core.add(new Request("beam", new Prompt.TokenIds(prompt), p), TokenListener.NONE, r -> got[0] = r);
            core.runToCompletion();

            List<Hyp> live = List.of(new Hyp(new int[0], 0f));
            List<Hyp> done = List.of();
            for (int step = 0; step < STEPS; step++) {
                List<Cand> all = new ArrayList<>();
                for (int b = 0; b < live.size(); b++) {
                    float[] logits = logitsAfter(core, prompt, live.get(b).out());
                    double max = Arrays.stream(toDoubles(logits)).max().orElseThrow();
                    double sum = 0;
                    for (float v : logits) sum += Math.exp(v - max);
                    double logZ = max + Math.log(sum);
                    for (int t = 0; t < logits.length; t++) {
                        all.add(new Cand(b, t, live.get(b).cum() + (float) (logits[t] - logZ)));
                    }
                }
                all.sort(Comparator.comparingDouble((Cand c) -> -c.cum()).thenComparingInt(Cand::token)
                        .thenComparingInt(Cand::parent));
                List<Hyp> next = new ArrayList<>();
                for (Cand c : all.subList(0, 2 * WIDTH)) {
                    int[] out = Arrays.copyOf(live.get(c.parent()).out(), step + 1);
                    out[step] = c.token();
                    next.add(new Hyp(out, c.cum()));
                }
                // ignore_eos and no stop strings: hypotheses end only at max_tokens, all at the same length, so
                // the length penalty cannot reorder them.
                if (step == STEPS - 1) done = next.subList(0, WIDTH);
                else live = next.subList(0, WIDTH);
            }
            assertEquals(WIDTH, got[0].outputs().size());
            for (int i = 0; i < WIDTH; i++) {
                assertArrayEquals(done.get(i).out(), got[0].outputs().get(i).tokenIds(), "output " + i);
                assertEquals(done.get(i).cum(), got[0].outputs().get(i).cumulativeLogprob(), 1e-5f, "cumulative " + i);
            }
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** The logits a greedy one-token run computes after prompt + prefix. */
    private static float[] logitsAfter(EngineCore core, int[] prompt, int[] prefix) {
        int[] ids = Arrays.copyOf(prompt, prompt.length + prefix.length);
        System.arraycopy(prefix, 0, ids, prompt.length, prefix.length);
        float[][] seen = new float[1][];
        core.setLogitsObserver((id, pos, logits) -> seen[0] = logits.clone());
        core.add(new Request("ref", new Prompt.TokenIds(ids), SamplingParams.greedy(1)), TokenListener.NONE, r -> { });
        core.runToCompletion();
        core.setLogitsObserver((id, pos, logits) -> { });
        return seen[0];
    }
}
