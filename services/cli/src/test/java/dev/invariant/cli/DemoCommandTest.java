package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's first command, headless: real broker, real registry, the packaged worker, one hash per fingerprint; with
 * {@code --cpu-check} (what bench/device/run e2e runs on the GPU machine) every completion re-executed on the CPU;
 * then once more in the same work dir.
 */
class DemoCommandTest {

    @Test
    void demoOnceIsConsistent(@TempDir Path dir) {
        Path model = Path.of(System.getProperty("invariant.shared"), "models", "stories260K");
        GenerateCommandTest.Outcome o = GenerateCommandTest.run("demo", "--once", "--max-tokens", "16",
                "--threads", "2", "--model", model.toString(), "--work-dir", dir.toString(), "--cpu-check");
        assertEquals(0, o.code(), o.out() + o.err());
        // 49 requests of the mixed workload and 53 in the waves of load, all portable.
        assertTrue(o.out().contains("completions received             102 (errors: 0)"), o.out());
        assertTrue(o.out().contains("fingerprints with 2+ outputs     0"), o.out());
        assertTrue(o.out().contains("result                           CONSISTENT"), o.out());
        // The naive worker answered its 53 too; the monitor saw both profiles.
        assertTrue(o.out().contains("consistency monitor saw          155 completions"), o.out());
        assertTrue(o.out().matches("(?s).*\\n    portable +102 +\\d+ +0\\n.*"), o.out());
        assertTrue(o.out().matches("(?s).*\\n    naive \\(for comparison\\) +53 +\\d+ +\\d+\\n.*"), o.out());
        assertTrue(o.out().matches("(?s).*dashboard +http://127\\.0\\.0\\.1:\\d+/.*"), o.out());
        // --cpu-check: every portable completion re-executed on the CPU, per backend that made it (here the CPU).
        assertTrue(o.out().contains("hashes equal to the CPU's        102 of 102"), o.out());
        assertTrue(o.out().matches("(?s).*\\n    cpu-\\S+ x2 threads portable +102 +102 +0 +0\\n.*"), o.out());
        assertTrue(o.out().contains("result                           ALL EQUAL"), o.out());

        // Again in the same work dir: the topic and the monitor keep the first run's completions, which the
        // monitor's line tells apart from this run's (and waits for all of this run's before it speaks).
        GenerateCommandTest.Outcome again = GenerateCommandTest.run("demo", "--once", "--max-tokens", "16",
                "--threads", "2", "--model", model.toString(), "--work-dir", dir.toString());
        assertEquals(0, again.code(), again.out() + again.err());
        assertTrue(again.out().contains("completions received             102 (errors: 0)"), again.out());
        assertTrue(again.out().contains("consistency monitor saw          310 completions (155 from this run, 155 from"
                + " earlier runs in this work dir)"), again.out());
    }
}
