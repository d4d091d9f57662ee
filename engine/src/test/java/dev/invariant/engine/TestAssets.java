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

    /**
     * Models kept with the tests (test resource {@code /models/<name>}: config.json and weights, made by a script under
     * bench/device/reference at stories260K's vocabulary), for architectures the shared folder has no model of.
     */
    private static final java.util.Set<String> KEPT = java.util.Set.of("tiny-gemma2", "tiny-gemma3", "tiny-olmo2",
            "tiny-gemma3mm", "tiny-mistral3mm", "tiny-qwen25vlmm", "tiny-phi3", "tiny-phi3-longrope", "tiny-phi4mini",
            "tiny-glm", "tiny-mistral-window", "tiny-phi3-window", "tiny-qwen2-window", "tiny-smollm3-window",
            "tiny-glm4", "tiny-qwen3moe", "tiny-qwen2moe", "tiny-mixtral", "tiny-olmoe", "tiny-olmo3-window",
            "tiny-exaone4-window", "tiny-exaone4", "tiny-gemma", "tiny-ernie45",
            "tiny-hunyuan", "tiny-granite4", "tiny-gptneox", "tiny-gptneox-seq", "tiny-phi", "tiny-gpt2",
            "tiny-starcoder2-window", "tiny-stablelm");

    /** A model folder under shared/models, e.g. "stories260K", or a kept one assembled under target/. */
    public static Path model(String name) {
        return KEPT.contains(name) ? kept(name) : shared().resolve("models").resolve(name);
    }

    /** The kept model's files beside stories260K's tokenizer, whose vocabulary its weights were made for. */
    private static synchronized Path kept(String name) {
        Path dir = Path.of("target", "test-models", name).toAbsolutePath();
        try {
            if (!Files.isRegularFile(dir.resolve("tokenizer_config.json"))) {
                Files.createDirectories(dir);
                for (String f : new String[] {"config.json", "config-v5.json", "model.safetensors"}) {
                    try (java.io.InputStream in = TestAssets.class.getResourceAsStream("/models/" + name + "/" + f)) {
                        if (in == null) throw new IOException("no test resource /models/" + name + "/" + f);
                        Files.copy(in, dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                    Files.copy(model("stories260K").resolve(f), dir.resolve(f),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
