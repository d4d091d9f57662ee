package dev.invariant.bench;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.LayerWeights;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelLoader;
import dev.invariant.engine.model.ModelWeights;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.synthetic.SyntheticExport;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A synthetic model written out as a Hugging Face folder, so that our engine and Jlama read the very same
 * safetensors bytes. The tokenizer files are copied in from the shared test assets when the folder is prepared;
 * nothing here is ever committed.
 */
final class ModelFolder {
    private static final String[] TOKENIZER_FILES = {"tokenizer.json", "tokenizer_config.json"};

    private ModelFolder() {
    }

    /** Exports {@code preset@dtype} into {@code root/preset@dtype} unless it is already there; returns the folder. */
    static Path prepare(String preset, String dtype, Path root, Path tokenizerDir) throws IOException {
        Path dir = root.resolve(preset + "@" + dtype);
        if (!Files.exists(dir.resolve("config.json"))) {
            System.err.println("exporting synthetic:" + preset + "@" + dtype + " to " + dir + " ...");
            SyntheticExport.export(preset + "@" + dtype, dir);
        }
        for (String f : TOKENIZER_FILES) {
            Path src = tokenizerDir.resolve(f);
            if (!Files.isRegularFile(src)) {
                throw new EngineException(ErrorCode.UNKNOWN_MODEL, "no " + f + " in " + tokenizerDir.toAbsolutePath()
                        + ": pass --tokenizer-dir with the folder of the model's tokenizer files");
            }
            Files.copy(src, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        return dir;
    }

    /**
     * Bytes of weights one decode step reads: every layer matrix and vector, the final norm and the whole
     * LM head (a tied head is the embedding table, read in full for the logits; the embedding lookup itself reads
     * one row and is left out).
     */
    static long decodeStepBytes(Path folder) {
        Model model = ModelLoader.load(folder.toString());
        ModelWeights w = model.weights();
        long bytes = w.norm().byteSize() + w.lmHead().byteSize();
        for (LayerWeights layer : w.layers()) {
            for (RecordComponent c : LayerWeights.class.getRecordComponents()) {
                try {
                    if (c.getAccessor().invoke(layer) instanceof Tensor t) bytes += t.byteSize();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return bytes;
    }
}
