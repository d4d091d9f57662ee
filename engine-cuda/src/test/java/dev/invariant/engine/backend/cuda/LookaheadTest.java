package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.invariance.Run;
import dev.invariant.engine.sample.GreedyChoice;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decode steps launched ahead ({@link Lookahead}) change no bit: greedy requests arriving and finishing at random
 * steps give the same completions with it on and off and on the CPU; at the backend, a scripted decode whose batch
 * loses and gains sequences reads steps launched ahead where the step asked for is the one speculated, discards the
 * others, and every row and the KV it leaves (read back through full logits rows) equal the run without it.
 */
class LookaheadTest {

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    private static EngineConfig config(String model) {
        return Gpu.engineConfig(model);
    }

    /** Plain greedy requests (half stopping at EOS) of random prompts, arriving at steps 0..30. */
    private static List<Run.Arrival> greedy(int count, int vocab) {
        Random rnd = new Random(count);
        List<Run.Arrival> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] ids = rnd.ints(1 + rnd.nextInt(24), 3, vocab).toArray();
            SamplingParams p = SamplingParams.builder().maxTokens(1 + rnd.nextInt(40)).ignoreEos(i % 2 == 0).build();
            out.add(new Run.Arrival(rnd.nextInt(31), new Request("g-" + i, new Prompt.TokenIds(ids), p)));
        }
        return out;
    }

    private static Run run(boolean lookahead, EngineConfig config, List<Run.Arrival> a) {
        System.setProperty(CudaBackend.LOOKAHEAD, Boolean.toString(lookahead));
        try {
            return Run.execute(config, a);
        } finally {
            System.clearProperty(CudaBackend.LOOKAHEAD);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 40})
    void greedyCompletionsAreTheSameWithAndWithoutAndOnTheCpu(int count) {
        List<Run.Arrival> a = greedy(count, 4096);
        List<String> ids = a.stream().map(x -> x.request().requestId()).toList();
        Run cpu = Run.execute(config("tiny-qwen2"), a);
        Run on = run(true, config("tiny-qwen2").withBackend("cuda"), a);
        Run off = run(false, config("tiny-qwen2").withBackend("cuda"), a);
        Run.assertSameBits(off, on, ids, "cuda with steps launched ahead vs without");
        Run.assertSameBits(cpu, on, ids, "cuda with steps launched ahead vs cpu");
    }

    @Test
    void aBatchThatChangesReadsWhatWasSpeculatedAndDiscardsTheRest() {
        try (LoadedModel lm = LoadedModel.open("tiny-qwen2")) {
            List<int[]> on = script(lm, true);
            List<int[]> off = script(lm, false);
            assertEquals(off.size(), on.size());
            for (int i = 0; i < on.size(); i++) assertArrayEquals(off.get(i), on.get(i), "record " + i);
        }
    }

    /**
     * Four sequences decode greedily; sequence 1 leaves after step 5, sequence 4 joins at step 9, and at steps 12 and
     * 13 every row is copied whole (no speculation; the KV written before, launched ahead or not, shows in them).
     * Returns each step's tokens, then the full rows' bits.
     */
    private static List<int[]> script(LoadedModel lm, boolean lookahead) {
        List<int[]> out = new ArrayList<>();
        try (CudaBackend be = Gpu.open(lm.model(), Gpu.config(16, 8 * 5))) {
            be.lookahead(lookahead);
            int vocab = lm.model().config().vocabSize();
            Random rnd = new Random(5);
            int[] pos = new int[5];
            int[] next = new int[5];
            for (int s = 0; s < 4; s++) {
                int[] prompt = rnd.ints(3 + rnd.nextInt(12), 0, vocab).toArray();
                next[s] = GreedyChoice.of(be.forward(List.of(new SeqChunk(s, prompt, 0, table(s), true)))[0]).token();
                pos[s] = prompt.length;
            }
            for (int step = 0; step < 14; step++) {
                if (step == 9) {
                    int[] prompt = rnd.ints(7, 0, vocab).toArray();
                    next[4] = GreedyChoice.of(be.forward(List.of(new SeqChunk(4, prompt, 0, table(4), true)))[0]).token();
                    pos[4] = prompt.length;
                }
                List<SeqChunk> chunks = new ArrayList<>();
                for (int s = 0; s < 5; s++) {
                    if ((s == 1 && step > 5) || (s == 4 && step < 9)) continue;
                    chunks.add(new SeqChunk(s, new int[] {next[s]}, pos[s]++, table(s), true));
                }
                int[] tokens = new int[chunks.size()];
                if (step < 12) {
                    boolean[] greedy = new boolean[chunks.size()];
                    Arrays.fill(greedy, true);
                    GreedyChoice[] chosen = be.forward(chunks, greedy).greedy();
                    for (int i = 0; i < chosen.length; i++) tokens[i] = chosen[i].token();
                } else {
                    float[][] rows = be.forward(chunks);
                    for (int i = 0; i < rows.length; i++) {
                        tokens[i] = GreedyChoice.of(rows[i]).token();
                        out.add(StepScript.bits(rows[i]));
                    }
                }
                for (int i = 0; i < chunks.size(); i++) next[(int) chunks.get(i).seqId()] = tokens[i];
                out.add(tokens);
            }
            long[] counts = be.lookahead();
            if (lookahead) {
                assertTrue(counts[0] > 0, "steps were read from launches ahead: " + Arrays.toString(counts));
                assertTrue(counts[1] > 0, "a changed batch discarded one: " + Arrays.toString(counts));
            } else {
                assertEquals(0, counts[0] + counts[1], "switched off");
            }
        }
        return out;
    }

    private static int[] table(int s) {
        return new int[] {8 * s, 8 * s + 1, 8 * s + 2, 8 * s + 3, 8 * s + 4, 8 * s + 5, 8 * s + 6, 8 * s + 7};
    }
}
