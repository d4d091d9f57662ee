package dev.invariant.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options of the services this CLI starts as processes (the worker, and the bench's echo service, which must
 * run as the worker does to be its baseline): the parallel collector, and the Java heap and code on transparent huge
 * pages where the kernel hands them out on request. A request that comes every 50 ms finds its path's pages gone from
 * the TLB; on 2 MB pages the worker's own time per request measured 0.61-0.63 ms against 0.65-0.77 without, five runs
 * of each interleaved (docs/benchmarks.md, 2026-12-05 06:54-07:11).
 */
public final class ServiceJvm {
    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private ServiceJvm() {
    }

    /** {@code -XX:+UseParallelGC}, and {@code -XX:+UseTransparentHugePages} when {@link #hugePagesOnRequest()}. */
    public static List<String> options() {
        var o = new ArrayList<>(List.of("-XX:+UseParallelGC"));
        if (hugePagesOnRequest()) o.add("-XX:+UseTransparentHugePages");
        return o;
    }

    /**
     * Whether the kernel gives huge pages to memory that asks for them ({@code [madvise]}): then the JVM must ask.
     * With {@code [always]} every process has them already; with {@code [never]} (or no such file) the option would
     * only print a warning.
     */
    static boolean hugePagesOnRequest() {
        try {
            return Files.readString(THP).contains("[madvise]");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
