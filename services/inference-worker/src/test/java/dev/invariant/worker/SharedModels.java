package dev.invariant.worker;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared test models: {@code -Dinvariant.shared} (set by the build), else {@code ../shared} up the tree. */
final class SharedModels {
    private SharedModels() {
    }

    static Path stories260K() {
        return shared().resolve("models").resolve("stories260K");
    }

    static Path tinyQwen2() {
        return shared().resolve("models").resolve("tiny-qwen2");
    }

    static Path shared() {
        String p = System.getProperty("invariant.shared");
        if (p != null && Files.isDirectory(Path.of(p))) return Path.of(p).toAbsolutePath().normalize();
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("shared").resolve("models");
            if (Files.isDirectory(c)) return c.getParent();
            Path s = d.resolveSibling("shared").resolve("models");
            if (Files.isDirectory(s)) return s.getParent();
        }
        throw new IllegalStateException("the shared test assets (shared/models) were not found: set -Dinvariant.shared");
    }
}
