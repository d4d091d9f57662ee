package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    @Test
    void printsTheStartTheEndAndLittleBetween() {
        var buf = new ByteArrayOutputStream();
        var p = new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8));
        for (long done = 0; done <= 2_000_000; done += 1000) p.progress("download x", done, 2_000_000);
        p.progress("download x", 2_000_000, 2_000_000);
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("download x: 0% (0.0 of 2.0 MB)", lines[0]);
        assertEquals("download x: 100% (2.0 of 2.0 MB)", lines[lines.length - 1]);
        assertEquals(1, java.util.Arrays.stream(lines).filter(l -> l.contains("100%")).count());
    }
}
