package dev.invariant.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the embedded schema registry's folder ({@code services/registry}) and builds the registry application when
 * it is missing. It is a Quarkus 2 application built by its own pom with Java 17 ({@code build.sh}); the main build
 * runs the same script, so this only builds on a first use outside Maven.
 */
public final class RegistryBuild {
    /** The runnable jar that {@code build.sh} produces, relative to the registry folder. */
    static final Path RUNNER_JAR = Path.of("target", "invariant-registry-runner.jar");

    private RegistryBuild() {
    }

    /**
     * The registry folder: system property {@code invariant.registry.home}, else {@code services/registry} under
     * system property {@code invariant.root} (the launcher sets it), else under the working directory or a parent.
     */
    public static Path locateHome() {
        String home = System.getProperty("invariant.registry.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        String root = System.getProperty("invariant.root");
        if (root != null && !root.isBlank()) {
            return Path.of(root, "services", "registry");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("services").resolve("registry");
            if (Files.isRegularFile(candidate.resolve("build.sh"))) {
                return candidate;
            }
        }
        throw new StackException("cannot find the schema registry folder (services/registry): run from inside the"
                + " Invariant repository, or set -Dinvariant.registry.home=PATH or -Dinvariant.root=REPO");
    }

    /** The registry's runnable jar under {@code home}, built first when it is not there. */
    public static Path ensureBuilt(Path home) {
        Path jar = home.resolve(RUNNER_JAR);
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Path script = home.resolve("build.sh");
        if (!Files.isRegularFile(script)) {
            throw new StackException("the registry build script " + script + " is missing: is " + home
                    + " the services/registry folder of the repository?");
        }
        int exit;
        try {
            // Maven's progress goes to this process's own output: the first build takes minutes.
            exit = new ProcessBuilder("bash", script.toString()).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new StackException("cannot run " + script + " (bash is needed): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while building the registry", e);
        }
        if (exit != 0 || !Files.isRegularFile(jar)) {
            throw new StackException("building the schema registry failed (" + script + " exited with " + exit
                    + "); its output is above. It needs a JDK 17 and Maven Central.");
        }
        return jar;
    }
}
