package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Timings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each finished run is reported as it happens, with its output hash and which earlier run it matches. */
class ReplayBarTest {
    @Test
    void everyRunSaysWhetherItsOutputIsNew() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ReplayBar bar = new ReplayBar(new PrintStream(buf, true, StandardCharsets.UTF_8), "portable", 3, 8);
        bar.runDone(0, result("a".repeat(64), 5));
        bar.runDone(1, result("a".repeat(64), 5));
        bar.runDone(2, result("b".repeat(64), 7));
        assertEquals(List.of(
                "[portable] run 1/3: 5 tokens, output aaaaaaaaaaaaaaaa (first)",
                "[portable] run 2/3: 5 tokens, output aaaaaaaaaaaaaaaa (same as run 1)",
                "[portable] run 3/3: 7 tokens, output bbbbbbbbbbbbbbbb (NEW)"),
                buf.toString(StandardCharsets.UTF_8).lines().toList());
    }

    private static GenerationResult result(String hash, int tokens) {
        return new GenerationResult("r", new int[0], new int[tokens], "", FinishReason.LENGTH, "fp", hash,
                NumericsProfile.PORTABLE, 0L, Timings.NONE, List.of(), null);
    }
}
