package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code threads=auto} runs a small model on one thread, and the thread count changes no bit: the same requests on
 * one thread (auto) and on two give the same logits at every position, tokens, fingerprint and output hash.
 */
class AutoThreadsTest {
    private static final List<Request> REQUESTS = List.of(
            new Request("greedy", Prompt.text("Once upon a time"),
                    SamplingParams.builder().maxTokens(24).ignoreEos(true).build()),
            new Request("seeded", Prompt.text("The little dog"),
                    SamplingParams.builder().maxTokens(24).temperature(0.9f).seed(5L).ignoreEos(true).build()));

    @Test
    void settingsAreParsed() {
        assertEquals(CpuThreads.AUTO, CpuThreads.parse("auto"));
        assertEquals(CpuThreads.AUTO, CpuThreads.parse(" AUTO "));
        assertEquals(3, CpuThreads.parse("3"));
        assertEquals(Runtime.getRuntime().availableProcessors(), CpuThreads.parse("0"));
        assertThrows(EngineException.class, () -> CpuThreads.parse("-1"));
        assertThrows(EngineException.class, () -> CpuThreads.parse("two"));
    }

    @Test
    void autoRunsASmallModelOnOneThreadWithTheSameBitsAsTwo() {
        String model = TestAssets.model("stories260K").toString();
        Run auto = run(EngineConfig.defaults(model).withThreads(CpuThreads.AUTO));
        Run two = run(EngineConfig.defaults(model).withThreads(2));
        assertTrue(auto.backend.contains(" x1 threads"), auto.backend);
        assertTrue(two.backend.contains(" x2 threads"), two.backend);
        assertEquals(two.logitBits.size(), auto.logitBits.size());
        for (int i = 0; i < auto.logitBits.size(); i++) {
            assertArrayEquals(two.logitBits.get(i), auto.logitBits.get(i), "logits row " + i);
        }
        for (int i = 0; i < REQUESTS.size(); i++) {
            GenerationResult a = auto.results.get(i);
            GenerationResult b = two.results.get(i);
            assertTrue(a.ok() && b.ok());
            assertArrayEquals(b.tokenIds(), a.tokenIds());
            assertEquals(b.fingerprint(), a.fingerprint());
            assertEquals(b.outputHash(), a.outputHash());
        }
    }

    private record Run(String backend, List<GenerationResult> results, List<int[]> logitBits) {
    }

    private static Run run(EngineConfig config) {
        var bits = new ArrayList<int[]>();
        try (Engine engine = Engine.open(config.withBackend("cpu"))) {
            engine.core().setLogitsObserver((id, pos, logits) -> {
                int[] row = new int[logits.length];
                for (int j = 0; j < row.length; j++) row[j] = Float.floatToRawIntBits(logits[j]);
                bits.add(row);
            });
            List<GenerationResult> results = engine.generateAll(REQUESTS, (d, t, k) -> { });
            return new Run(engine.backendDescription(), results, bits);
        }
    }
}
