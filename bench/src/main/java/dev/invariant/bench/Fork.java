package dev.invariant.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one measurement in a fresh JVM (same Java, same class path), so engines never share a JIT, a heap or
 * Jlama's process-wide thread pool, and returns the result line it prints. Other output passes through to stderr.
 */
final class Fork {
    private Fork() {
    }

    static DecodeResult measure(String heap, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx" + heap);
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BenchMain.class.getName());
        cmd.add("measure");
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        DecodeResult result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                DecodeResult r = DecodeResult.parse(line);
                if (r != null) result = r;
                else System.err.println("  | " + line);
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || result == null) {
            throw new IllegalStateException("measurement " + args + " failed (exit " + rc + "); its output is above");
        }
        return result;
    }
}
