package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's first command, headless: real broker, real registry, the packaged worker, one hash per fingerprint. */
class DemoCommandTest {

    @Test
    void demoOnceIsConsistent(@TempDir Path dir) {
        Path model = Path.of(System.getProperty("invariant.shared"), "models", "stories260K");
        GenerateCommandTest.Outcome o = GenerateCommandTest.run("demo", "--once", "--max-tokens", "16",
                "--threads", "2", "--model", model.toString(), "--work-dir", dir.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("completions received             49 (errors: 0)"), o.out());
        assertTrue(o.out().contains("fingerprints with 2+ outputs     0"), o.out());
        assertTrue(o.out().contains("result                           CONSISTENT"), o.out());
        assertTrue(o.out().contains("consistency monitor saw          49 completions"), o.out());
        assertTrue(o.out().contains(" 0 with 2+ outputs (consistency rate 100.00 %)"), o.out());
        assertTrue(o.out().matches("(?s).*dashboard +http://127\\.0\\.0\\.1:\\d+/.*"), o.out());
    }
}
