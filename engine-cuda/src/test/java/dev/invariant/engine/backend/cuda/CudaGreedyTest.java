package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.invariance.Run;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine on the CUDA backend with greedy choices made on the GPU (kernels/greedy_scan.cu) and with every row
 * copied back ({@code -Dinvariant.greedy-on-backend=false}): batches of 1, 7 and 64 requests, greedy ones among
 * penalised, logprob and sampled ones, give the same tokens, output hashes, logprobs and fingerprints either way, and
 * in the portable profile the CPU backend's.
 */
class CudaGreedyTest {

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    private static EngineConfig config(String model) {
        return EngineConfig.defaults(TestAssets.model(model).toString()).withThreads(2).withBatching(64, 2048, 64)
                .withKvCache(16, 32768, true);
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
}
