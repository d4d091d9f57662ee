package dev.invariant.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared test assets ({@code ../shared} beside the repository), read in place, never copied. */
public final class TestAssets {
    private TestAssets() {
    }

    /** The shared folder: system property {@code invariant.shared}, else env INVARIANT_SHARED, else ../shared. */
    public static Path shared() {
        String p = System.getProperty("invariant.shared");
        if (p == null) p = System.getenv("INVARIANT_SHARED");
        Path dir = p != null ? Path.of(p) : Path.of("..", "shared");
        if (!Files.isDirectory(dir.resolve("models"))) {
            throw new IllegalStateException("shared test assets not found at " + dir.toAbsolutePath()
                    + ": place the shared folder beside the repository or set INVARIANT_SHARED");
        }
        return dir.normalize();
    }

    /** A model folder under shared/models, e.g. "stories260K". */
    public static Path model(String name) {
        return shared().resolve("models").resolve(name);
    }

    /**
     * The backend the engine-level tests run on: system property {@code invariant.test.backend}, default cpu. The GPU
     * run sets cuda, so the same golden and invariance tests check the CUDA backend.
     */
    public static String backend() {
        return System.getProperty("invariant.test.backend", "cpu");
    }
}
