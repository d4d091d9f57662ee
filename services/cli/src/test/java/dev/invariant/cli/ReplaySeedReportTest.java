package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.sample.SamplingParams;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A small replay of the seed report (its sampling, kv_cache_dtype and max_model_len on tiny-qwen2, which has the
 * report's tokenizer family): portable gives one output whatever the load; naive's count is printed.
 */
class ReplaySeedReportTest {
    static final SamplingParams REPORT = SamplingParams.builder().temperature(0f).maxTokens(24)
            .stop(List.of("Observation:")).seed(0L).build();

    static String tinyQwen2() {
        return Path.of(System.getProperty("invariant.shared"), "models", "tiny-qwen2").toString();
    }

    static List<GenerationResult> replay(NumericsProfile profile, int runs) {
        EngineConfig config = EngineConfig.defaults(tinyQwen2()).withProfile(profile).withThreads(2)
                .withKvCache(16, 32768, false).withKvCacheDtype(KvCacheDtype.FP8_E5M2).withMaxModelLen(10000);
        try (Engine e = Engine.open(config)) {
            return new SeedReplay(e.core(), 6, 2767).run(Prompt.text(SeedReportPrompt.build()), REPORT, runs,
                    (r, t) -> { });
        }
    }

    @Test
    void thePromptIsTheReportsLengthAndEndsWhereAnObservationComes() {
        String p = SeedReportPrompt.build();
        assertEquals(2767, p.length());
        assertTrue(p.endsWith("\nAction: calculator\nAction Input: 38.4 - 27.9\n"), p.substring(p.length() - 60));
        assertEquals(3, p.split("\nObservation: ", -1).length - 1, "the format line and two earlier observations");
    }

    @Test
    void portableGivesOneOutputUnderChangingLoad() {
        List<GenerationResult> runs = replay(NumericsProfile.PORTABLE, 4);
        Set<List<Integer>> batchSizes = new HashSet<>();
        for (GenerationResult r : runs) {
            assertTrue(r.ok(), String.valueOf(r.error()));
            assertArrayEquals(runs.getFirst().tokenIds(), r.tokenIds(), "tokens of " + r.requestId());
            assertEquals(runs.getFirst().outputHash(), r.outputHash());
            batchSizes.add(r.batchSizes());
        }
        assertTrue(batchSizes.size() > 1, "the runs must meet different batches, saw " + batchSizes);
        assertEquals(1, ReplayReport.of(runs, id -> "").distinct());
        List<GenerationResult> naive = replay(NumericsProfile.NAIVE, 4);
        System.out.println("naive: " + ReplayReport.of(naive, id -> "").distinct() + " distinct outputs in 4 runs");
    }

    @Test
    void theCommandPrintsDistinctOutputsPerProfileAndSkipsFastOnTheCpu() {
        var o = GenerateCommandTest.run("replay-seed-report", "--model", tinyQwen2(), "--runs", "2", "--max-tokens",
                "8", "--threads", "2", "--profile", "portable,fast");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("portable: 1 distinct output in 2 runs"), o.out());
        assertTrue(o.out().contains("fast: skipped"), o.out());
        assertTrue(GenerateCommandTest.run("replay-seed-report", "--help").out().contains("--max-tokens"));
    }

    /**
     * The cpu backend builds portable and naive, not fast: fast is skipped with its reason among others, and asked for
     * alone it is an error (a run that replayed nothing must not exit 0).
     */
    @Test
    void aProfileTheBackendDoesNotRunIsSkippedWithItsReason() {
        var o = GenerateCommandTest.run("replay-seed-report", "--model", tinyQwen2(), "--runs", "1", "--max-tokens",
                "4", "--backend", "cpu", "--profile", "fast,naive");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("fast: skipped (the cpu backend does not build it)"), o.out());
        var alone = GenerateCommandTest.run("replay-seed-report", "--model", tinyQwen2(), "--runs", "1", "--max-tokens",
                "4", "--backend", "cpu", "--profile", "fast");
        assertEquals(1, alone.code(), alone.out());
        assertTrue(alone.err().contains("BACKEND_UNAVAILABLE: the cpu backend runs none of the profiles asked for (fast)"),
                alone.err());
    }

    @Test
    void firstDifferenceIsThePositionWhereTokensPart() {
        assertEquals(2, ReplayReport.firstDifference(new int[] {1, 2, 3}, new int[] {1, 2, 4, 5}));
        assertEquals(2, ReplayReport.firstDifference(new int[] {1, 2}, new int[] {1, 2, 4}));
        assertEquals("1-3, 5, 7-8", ReplayReport.ranges(List.of(1, 2, 3, 5, 7, 8)));
    }
}
