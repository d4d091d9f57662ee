package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The services' JVM options: huge pages asked for exactly where the kernel hands them out on request, and accepted. */
class ServiceJvmTest {
    @Test
    void hugePagesFollowTheKernelsSetting() throws Exception {
        Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        boolean madvise = Files.isReadable(thp) && Files.readString(thp).contains("[madvise]");
        List<String> o = ServiceJvm.options();
        assertTrue(o.contains("-XX:+UseParallelGC"), o.toString());
        assertEquals(madvise, o.contains("-XX:+UseTransparentHugePages"), o + " with " + thp + " "
                + (Files.isReadable(thp) ? Files.readString(thp).trim() : "absent"));
    }

    @Test
    void thisJavaStartsWithThemAndWarnsOfNothing() throws Exception {
        var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ServiceJvm.options());
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.toLowerCase().contains("warning"), out);
    }
}
