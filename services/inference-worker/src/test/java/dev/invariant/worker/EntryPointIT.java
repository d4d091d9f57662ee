package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaged worker started by a Java older than 25 says so and which Java it needs (it used to stop with exit code
 * 1 and nothing printed). Needs an older JDK beside this one (Debian's 17 is installed on the development and CI
 * machines); without one the test is skipped, saying so.
 */
class EntryPointIT {
    private static final Pattern VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    @Test
    void anOlderJavaIsToldWhichJavaTheWorkerNeeds() throws Exception {
        Optional<Path> old = olderJava();
        assumeTrue(old.isPresent(), "no Java older than 25 under /usr/lib/jvm");
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        Process p = new ProcessBuilder(List.of(old.get().toString(), "-jar", jar.toString()))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the worker did not stop on " + old.get());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("inference-worker: Java 25 or newer is needed"), "printed: " + out);
    }

    private static Optional<Path> olderJava() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) return Optional.empty();
        try (Stream<Path> homes = Files.list(jvms)) {
            return homes.filter(h -> Files.isExecutable(h.resolve("bin/java")) && feature(h) > 0 && feature(h) < 25)
                    .map(h -> h.resolve("bin/java")).findFirst();
        }
    }

    private static int feature(Path home) {
        try {
            Matcher m = VERSION.matcher(Files.readString(home.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
