package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine's promise, checked bit for bit: a request's logits (raw float bits at every output position) and its
 * output hash do not depend on what else is in the batch, when it arrived, how its prompt was chunked, whether its
 * prefix came from the cache, whether it was preempted and recomputed, or how many threads ran.
 */
class BatchInvarianceTest {

    static final String PROMPT = "Once upon a time, there was a little girl named Lily who loved to play outside";

    /**
     * Gemma 2 and 3 with a window of 16, shorter than every subject, OLMo 2, and mixtures of experts (Qwen3-MoE's and
     * Qwen2-MoE's forms, synthetic), on either backend.
     */
    static Stream<Arguments> models() {
        return Stream.of(Arguments.of("stories260K", 512), Arguments.of("tiny-qwen3", 151936),
                Arguments.of("tiny-gemma2", 512), Arguments.of("tiny-gemma3", 512), Arguments.of("tiny-olmo2", 512),
                Arguments.of("synthetic:tiny-qwen3-moe", 258), Arguments.of("synthetic:tiny-qwen2-moe", 258));
    }

    static EngineConfig base(String model) {
        String id = model.startsWith("synthetic:") ? model : TestAssets.model(model).toString();
        return EngineConfig.defaults(id).withThreads(2)
                .withBatching(64, 4096, 4096).withKvCache(16, 32768, false).withBackend(TestAssets.backend());
    }

    static List<Request> subjects() {
        return List.of(
                new Request("greedy", Prompt.text(PROMPT), SamplingParams.builder().maxTokens(40).ignoreEos(true).build()),
                new Request("seeded", Prompt.text(PROMPT), SamplingParams.builder().maxTokens(40).ignoreEos(true)
                        .temperature(0.8f).topP(0.9f).topK(50).seed(1234L).build(), 0L, 5));
    }

    static Run alone(String model) {
        return Run.execute(base(model).withBatching(1, 4096, 4096), Run.at(0, subjects()));
    }

    static void assertSame(Run reference, Run other, String what) {
        Run.assertSameBits(reference, other, subjects().stream().map(Request::requestId).toList(), what);
    }

    @ParameterizedTest(name = "{0}: alone vs batches of 2..64 with random companions and arrivals")
    @MethodSource("models")
    void batchCompositionDoesNotChangeBits(String model, int vocab) {
        Run reference = alone(model);
        Random rnd = new Random(7);
        for (int companions : new int[] {1, 3, 15, 62}) {
            List<Run.Arrival> a = new ArrayList<>(Run.companions(rnd, companions, Math.min(vocab, 512), 48, 30));
            for (Request r : subjects()) a.add(new Run.Arrival(rnd.nextInt(10), r));
            Run run = Run.execute(base(model).withBatching(64, 256, 32), a);
            assertTrue(run.maxBatchSeen > 1, "the subjects shared steps with companions");
            assertSame(reference, run, companions + " companions");
        }
    }

    @ParameterizedTest(name = "{0}: prefill in one piece vs chunks of 1, 7, 64")
    @MethodSource("models")
    void chunkingDoesNotChangeBits(String model, int vocab) {
        Run reference = alone(model);
        for (int chunk : new int[] {1, 7, 64}) {
            assertSame(reference, Run.execute(base(model).withBatching(4, chunk + 4, chunk), Run.at(0, subjects())),
                    "chunk " + chunk);
        }
    }

    @ParameterizedTest(name = "{0}: prefix cache hit vs miss")
    @MethodSource("models")
    void prefixCacheHitDoesNotChangeBits(String model, int vocab) {
        Run reference = alone(model);
        List<Run.Arrival> a = new ArrayList<>();
        // The same prompt runs first, so the subjects find its full blocks in the cache.
        a.add(new Run.Arrival(0, new Request("warm", Prompt.text(PROMPT), SamplingParams.greedy(2))));
        a.addAll(Run.at(6, subjects()));
        assertSame(reference, Run.execute(base(model).withKvCache(4, 32768, true), a), "prefix cache hit");
    }

    @ParameterizedTest(name = "{0}: preemption and recompute vs none")
    @MethodSource("models")
    void preemptionDoesNotChangeBits(String model, int vocab) {
        Run reference = alone(model);
        Random rnd = new Random(11);
        List<Run.Arrival> a = new ArrayList<>(Run.companions(rnd, 12, Math.min(vocab, 512), 40, 5));
        a.addAll(Run.at(0, subjects()));
        // A cache of 96 tokens cannot hold everyone: sequences are preempted and recomputed (160 where the byte-level
        // tokenizer of synthetic models makes a subject 122 tokens long)
        int cache = model.startsWith("synthetic:") ? 160 : 96;
        Run run = Run.execute(base(model).withBatching(16, 128, 16).withKvCache(8, cache, false), a);
        assertTrue(run.preemptions > 0, "the workload caused preemptions");
        assertSame(reference, run, "preemption");
    }

    @ParameterizedTest(name = "{0}: 1 vs 2 vs 3 threads")
    @MethodSource("models")
    void threadCountDoesNotChangeBits(String model, int vocab) {
        Run reference = alone(model);
        for (int threads : new int[] {1, 3}) {
            assertSame(reference, Run.execute(base(model).withThreads(threads), Run.at(0, subjects())),
                    threads + " threads");
        }
    }
}
