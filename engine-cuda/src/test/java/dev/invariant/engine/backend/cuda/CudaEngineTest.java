package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.invariance.Run;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole engine on both backends: the same continuously batched workload (greedy and seeded requests among
 * companions arriving at random steps, up to 64 per step) gives, request by request, the same logits bits at every
 * position, the same tokens, output hashes and fingerprints on the GPU as on the CPU.
 */
class CudaEngineTest {

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-qwen2", "tiny-qwen3", "synthetic:tiny-gptq-int8",
            "synthetic:tiny-gptq-int4"})
    void sameWorkloadSameBitsOnBothBackends(String model) {
        boolean synthetic = model.startsWith("synthetic:");
        int vocab = model.equals("stories260K") || synthetic ? 512 : 151936;
        Random rnd = new Random(3);
        List<Run.Arrival> a = new ArrayList<>(Run.companions(rnd, 40, Math.min(vocab, 512), 48, 12));
        a.add(new Run.Arrival(0, new Request("greedy", Prompt.text("Once upon a time, there was a little girl"),
                SamplingParams.builder().maxTokens(40).ignoreEos(true).build())));
        a.add(new Run.Arrival(3, new Request("seeded", Prompt.text("Once upon a time"), SamplingParams.builder()
                .maxTokens(40).ignoreEos(true).temperature(0.8f).topP(0.9f).seed(99L).build())));
        EngineConfig base = EngineConfig.defaults(synthetic ? model : TestAssets.model(model).toString()).withThreads(2)
                .withBatching(64, 256, 32).withKvCache(16, 32768, true);
        Run cpu = Run.execute(base, a);
        Run gpu = Run.execute(base.withBackend("cuda"), a);
        assertTrue(gpu.maxBatchSeen > 16, "steps were shared by many sequences");
        assertEquals(cpu.results.keySet(), gpu.results.keySet());
        for (String id : cpu.results.keySet()) {
            GenerationResult c = cpu.results.get(id);
            GenerationResult g = gpu.results.get(id);
            assertTrue(c.ok() && g.ok(), id + " failed");
            assertEquals(cpu.logitDigests.get(id), gpu.logitDigests.get(id), model + " " + id + ": logits bits");
            assertArrayEquals(c.tokenIds(), g.tokenIds(), model + " " + id + ": tokens");
            assertEquals(c.outputHash(), g.outputHash(), model + " " + id + ": output hash");
            assertEquals(c.fingerprint(), g.fingerprint(), model + " " + id + ": fingerprint");
        }
    }
}
