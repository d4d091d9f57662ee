package dev.invariant.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Locates the shared test assets ({@code ../shared} beside the repository), read in place, never copied. */
public final class TestAssets {
    private TestAssets() {
    }

    /**
     * A reference file kept with the tests: test resource {@code /hf-reference/<name>} (made by the scripts under
     * bench/device/reference), read as JSON.
     */
    public static JsonNode reference(String name) throws IOException {
        try (java.io.InputStream in = TestAssets.class.getResourceAsStream("/hf-reference/" + name)) {
            if (in == null) throw new IOException("no test resource /hf-reference/" + name);
            return new ObjectMapper().readTree(in);
        }
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

    /**
     * A copy of a shared model folder's files in {@code dir}, its config.json edited as
     * bench/device/reference/hf_rope_scaling.py edits it: the edit's keys replace the config's, and an edit that
     * sets rope_scaling drops rope_parameters first.
     */
    public static Path editedCopy(String name, JsonNode edit, Path dir) throws IOException {
        try (Stream<Path> files = Files.list(model(name))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        ObjectMapper json = new ObjectMapper();
        Path config = dir.resolve("config.json");
        ObjectNode c = (ObjectNode) json.readTree(config.toFile());
        if (edit.has("rope_scaling")) c.remove("rope_parameters");
        c.setAll((ObjectNode) edit);
        Files.delete(config); // the copy keeps the shared file's read-only mode
        json.writeValue(config.toFile(), c);
        return dir;
    }
}
