package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.backend.Backends;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** backend=auto takes the GPU where the cuda backend can start and the CPU elsewhere, with the same output bits. */
class AutoBackendTest {

    @Test
    void autoPicksWhatCanRunAndChangesNoBit() {
        EngineConfig base = EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(2)
                .withKvCache(16, 4096, true);
        List<Request> req = List.of(new Request("r", Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(24).ignoreEos(true).build()));
        boolean gpu = gpuHere();
        GenerationResult cpu;
        try (Engine e = Engine.open(base)) {
            cpu = e.generateAll(req, (d, t, k) -> { }).getFirst();
        }
        try (Engine e = Engine.open(base.withBackend("auto"))) {
            assertTrue(e.backendDescription().startsWith(gpu ? "cuda " : "cpu"), e.backendDescription());
            GenerationResult auto = e.generateAll(req, (d, t, k) -> { }).getFirst();
            assertEquals(cpu.outputHash(), auto.outputHash());
            assertEquals(cpu.fingerprint(), auto.fingerprint());
        }
    }

    /**
     * The cuda backend builds portable, fast and naive (the CPU no fast): naive under auto takes the GPU where one can
     * run and the CPU elsewhere (CI), and its completions name the naive profile either way.
     */
    @Test
    void autoRunsNaiveOnTheGpuWhereThereIsOneElseOnTheCpu() {
        assertTrue(Backends.runs("cuda", NumericsProfile.NAIVE));
        assertTrue(Backends.runs("cuda", NumericsProfile.FAST));
        EngineConfig naive = EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(2)
                .withKvCache(16, 4096, true).withProfile(NumericsProfile.NAIVE).withBackend("auto");
        List<Request> req = List.of(new Request("r", Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(8).ignoreEos(true).build()));
        try (Engine e = Engine.open(naive)) {
            assertTrue(e.backendDescription().startsWith(gpuHere() ? "cuda " : "cpu"), e.backendDescription());
            assertEquals(NumericsProfile.NAIVE, e.generateAll(req, (d, t, k) -> { }).getFirst().profile());
        }
    }

    private static boolean gpuHere() {
        try {
            CudaContext.open(0).close();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
