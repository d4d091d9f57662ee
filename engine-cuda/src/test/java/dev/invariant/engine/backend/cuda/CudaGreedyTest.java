package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepOutput;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.invariance.Run;
import dev.invariant.engine.sample.GreedyChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine on the CUDA backend with greedy choices made on the GPU (kernels/greedy_scan.cu) and with every row
 * copied back ({@code -Dinvariant.greedy-on-backend=false}): batches of 1, 7 and 64 requests, greedy ones among
 * penalised, logprob and sampled ones, give the same tokens, output hashes, logprobs and fingerprints either way, and
 * in the portable profile the CPU backend's. At the backend, a step that mixes both kinds of rows returns exactly
 * the rows it was asked for and, for the others, the greedy choices of the rows it did not copy.
 */
class CudaGreedyTest {

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    private static EngineConfig config(String model) {
        return Gpu.engineConfig(model);
    }

    private static List<Run.Arrival> batch(String model, int size) {
        int vocab = model.equals("stories260K") ? 512 : 4096;
        return Run.greedyMix(new Random(size), size, vocab, 24, 16, 0);
    }

    @ParameterizedTest
    @CsvSource({"tiny-qwen2, 1", "tiny-qwen2, 7", "tiny-qwen2, 64", "stories260K, 7", "stories260K, 64",
            "tiny-qwen3, 64"})
    void portableCompletionsAreTheSameOnAndOffAndOnTheCpu(String model, int size) {
        List<Run.Arrival> a = batch(model, size);
        List<String> ids = a.stream().map(x -> x.request().requestId()).toList();
        Run cpu = Run.withGreedyOnBackend(true, config(model), a);
        Run on = Run.withGreedyOnBackend(true, config(model).withBackend("cuda"), a);
        Run off = Run.withGreedyOnBackend(false, config(model).withBackend("cuda"), a);
        assertTrue(on.greedyChoices > 0, "greedy choices came from the GPU");
        assertEquals(0, off.greedyChoices, "switched off");
        assertEquals(size, on.maxBatchSeen, "the whole batch ran in one step");
        Run.assertSameBits(off, on, ids, model + " cuda, greedy on the GPU vs rows copied");
        Run.assertSameBits(cpu, on, ids, model + " cuda vs cpu");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64})
    void fastCompletionsAreTheSameOnAndOff(int size) {
        List<Run.Arrival> a = batch("stories260K", size);
        List<String> ids = a.stream().map(x -> x.request().requestId()).toList();
        EngineConfig fast = config("stories260K").withBackend("cuda").withProfile(NumericsProfile.FAST);
        Run on = Run.withGreedyOnBackend(true, fast, a);
        Run off = Run.withGreedyOnBackend(false, fast, a);
        assertTrue(on.greedyChoices > 0, "greedy choices came from the GPU");
        Run.assertSameBits(off, on, ids, "stories260K fast, greedy on the GPU vs rows copied");
    }

    @Test
    void aMixedStepReturnsTheRowsAskedForAndTheOthersChoices() {
        boolean[] greedy = {true, false, false, true, false, true, true, false};
        try (LoadedModel lm = LoadedModel.open("tiny-qwen2");
             CudaBackend be = Gpu.open(lm.model(), Gpu.config(16, 4 * greedy.length))) {
            int vocab = lm.model().config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(8);
            int[] length = new int[greedy.length];
            List<SeqChunk> prefill = new ArrayList<>();
            for (int s = 0; s < greedy.length; s++) {
                length[s] = 5 + rnd.nextInt(8);
                // sequence 2's chunk ends before its prompt does: no logits, no choice
                prefill.add(new SeqChunk(s, rnd.ints(length[s], 0, vocab).toArray(), 0, table(s), s != 2));
            }
            checkMixed(be, prefill, greedy);
            for (int step = 0; step < 3; step++) {  // decode steps of 8: the replayed graph
                List<SeqChunk> decode = new ArrayList<>();
                for (int s = 0; s < greedy.length; s++) {
                    decode.add(new SeqChunk(s, new int[] {rnd.nextInt(vocab)}, length[s] + step, table(s), true));
                }
                checkMixed(be, decode, greedy);
            }
            assertTrue(be.graphsCaptured() > 0, "decode steps replayed a graph");
        }
    }

    private static int[] table(int s) {
        return new int[] {4 * s, 4 * s + 1, 4 * s + 2, 4 * s + 3};
    }

    /** The step with greedy rows, then again with every row (the same KV entries rewritten with the same values). */
    private static void checkMixed(CudaBackend be, List<SeqChunk> step, boolean[] greedy) {
        StepOutput out = be.forward(step, greedy);
        float[][] rows = be.forward(step);
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null) {
                assertNull(out.logits()[i], "chunk " + i);
                assertNull(out.greedy()[i], "chunk " + i);
            } else if (greedy[i]) {
                assertNull(out.logits()[i], "chunk " + i + ": no row copied");
                assertEquals(GreedyChoice.of(rows[i]), out.greedy()[i], "chunk " + i + ": the choice of its row");
            } else {
                assertNull(out.greedy()[i], "chunk " + i);
                assertArrayEquals(StepScript.bits(rows[i]), StepScript.bits(out.logits()[i]), "chunk " + i + ": its row");
            }
        }
    }
}
