package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.kv.KvCacheDtype;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seed report's configuration in small: GPTQ weights (int8 with act-order, int4 asymmetric, int4 with one group,
 * a mixture of experts packed)
 * and KV caches stored as fp8 or bf16 keep the engine's promise bit for bit, as {@link BatchInvarianceTest} checks it
 * for dense models: batch composition, prompt chunking and thread count change nothing.
 */
class QuantizedInvarianceTest {

    static Stream<Arguments> configs() {
        return Stream.of(Arguments.of("synthetic:tiny-gptq-int8", KvCacheDtype.FP8_E5M2),
                Arguments.of("synthetic:tiny-gptq-int4", KvCacheDtype.FP8_E4M3),
                Arguments.of("synthetic:tiny-gptq-int4-g-1", KvCacheDtype.BF16),
                Arguments.of("synthetic:tiny-qwen3-moe-gptq-int8", KvCacheDtype.FP8_E4M3),
                Arguments.of(TestAssets.model("stories260K").toString(), KvCacheDtype.FP8_E5M2));
    }

    static EngineConfig base(String model, KvCacheDtype kv) {
        return EngineConfig.defaults(model).withThreads(2).withBatching(64, 4096, 4096).withKvCache(16, 32768, false)
                .withBackend(TestAssets.backend()).withKvCacheDtype(kv);
    }

    private static List<Run.Arrival> subjectsAtStart() {
        return Run.at(0, BatchInvarianceTest.subjects());
    }

    @ParameterizedTest(name = "{0} kv {1}: alone vs companions, chunks, threads")
    @MethodSource("configs")
    void quantisedWeightsAndCachesKeepTheBits(String model, KvCacheDtype kv) {
        Run reference = Run.execute(base(model, kv).withBatching(1, 4096, 4096), subjectsAtStart());
        Random rnd = new Random(17);
        for (int companions : new int[] {15}) {
            List<Run.Arrival> a = new ArrayList<>(Run.companions(rnd, companions, 512, 48, 30));
            for (Request r : BatchInvarianceTest.subjects()) a.add(new Run.Arrival(rnd.nextInt(10), r));
            Run run = Run.execute(base(model, kv).withBatching(64, 256, 32), a);
            assertTrue(run.maxBatchSeen > 1, "the subjects shared steps with companions");
            BatchInvarianceTest.assertSame(reference, run, companions + " companions");
        }
        for (int chunk : new int[] {7}) {
            BatchInvarianceTest.assertSame(reference, Run.execute(base(model, kv).withBatching(4, chunk + 4, chunk),
                    subjectsAtStart()), "chunk " + chunk);
        }
        BatchInvarianceTest.assertSame(reference, Run.execute(base(model, kv).withThreads(3), subjectsAtStart()), "3 threads");
    }

    @ParameterizedTest(name = "{0}: kv {1} is in the fingerprint and changes the stored values")
    @MethodSource("configs")
    void theKvDtypeIsPartOfTheFingerprint(String model, KvCacheDtype kv) {
        Run narrow = Run.execute(base(model, kv), subjectsAtStart());
        Run wide = Run.execute(base(model, KvCacheDtype.FP32), subjectsAtStart());
        Run auto = Run.execute(base(model, KvCacheDtype.AUTO), subjectsAtStart());
        for (Request r : BatchInvarianceTest.subjects()) {
            String id = r.requestId();
            assertNotEquals(wide.results.get(id).fingerprint(), narrow.results.get(id).fingerprint(), id);
            assertEquals(wide.results.get(id).fingerprint(), auto.results.get(id).fingerprint(), "auto is fp32: " + id);
            assertEquals(wide.logitDigests.get(id), auto.logitDigests.get(id), "auto is fp32: " + id);
            // rounding K and V changes the logits after the first position (the first attends to itself only)
            assertNotEquals(wide.logitDigests.get(id), narrow.logitDigests.get(id), id);
        }
    }

    /** The naive profile (replay-seed-report's third run) runs GPTQ weights too, dequantising each row for its order. */
    @org.junit.jupiter.api.Test
    void theNaiveProfileRunsGptqCheckpoints() {
        String model = "synthetic:tiny-gptq-int4";
        // the CPU backend's naive (the cuda backend's naive has other bits: CudaNaiveTest covers it)
        EngineConfig cpu = base(model, KvCacheDtype.FP8_E5M2).withBackend("cpu");
        Run naive = Run.execute(cpu.withProfile(dev.invariant.engine.NumericsProfile.NAIVE), subjectsAtStart());
        Run portable = Run.execute(cpu, subjectsAtStart());
        for (Request r : BatchInvarianceTest.subjects()) {
            var result = naive.results.get(r.requestId());
            assertTrue(result.ok(), r.requestId() + ": " + result.error());
            assertEquals(40, result.tokenIds().length);
            assertNotEquals(portable.results.get(r.requestId()).fingerprint(), result.fingerprint(), "naive says so");
        }
    }
}
