package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirLockTest {

    @Test
    void aSecondRunInTheSameDirectoryIsToldWhoHoldsIt(@TempDir Path tmp) {
        Path dir = tmp.resolve("demo");
        try (var first = WorkDirLock.claim(dir, "demo", true)) {
            var e = assertThrows(CliError.class, () -> WorkDirLock.claim(dir, "demo", true));
            assertTrue(e.getMessage().contains("in use by another run (invariant demo, pid "
                    + ProcessHandle.current().pid() + ")"), e.getMessage());
            assertTrue(e.getMessage().contains("--work-dir"), e.getMessage());
            try (var other = WorkDirLock.claim(tmp.resolve("other"), "demo", true)) {
                // another directory is free
            }
        }
        try (var again = WorkDirLock.claim(dir, "demo", true)) {
            // released when the first run ended
        }
    }

    @Test
    void aLockHeldByAnotherProcessIsSeenAndGoesWithIt(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("bench-pipeline-load");
        Process holder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), dir.toString()))
                .redirectErrorStream(true).start();
        try {
            var out = new BufferedReader(new InputStreamReader(holder.getInputStream()));
            assertEquals("held", out.readLine());
            var e = assertThrows(CliError.class, () -> WorkDirLock.claim(dir, "bench-pipeline", false));
            assertTrue(e.getMessage().contains("(invariant bench-pipeline, pid " + holder.pid() + ")"), e.getMessage());
            assertFalse(e.getMessage().contains("--work-dir"), "bench-pipeline has no --work-dir: " + e.getMessage());
        } finally {
            holder.destroyForcibly(); // as kill -9: the lock goes with the process
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        try (var mine = WorkDirLock.claim(dir, "bench-pipeline", false)) {
            // free again
        }
    }

    /** Holds the lock of the directory given until its standard input closes. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            try (var lock = WorkDirLock.claim(Path.of(args[0]), "bench-pipeline", false)) {
                System.out.println("held");
                System.out.flush();
                while (System.in.read() != -1) {
                    // until killed
                }
            }
        }
    }
}
