package dev.invariant.engine.model.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.cpu.CpuBackend;
import dev.invariant.engine.backend.cpu.CpuBackendConfig;
import dev.invariant.engine.model.LoadOptions;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelLoader;
import dev.invariant.engine.model.ProgressListener;
import dev.invariant.engine.model.hub.HubOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic weights run through the real forward pass: activations stay sane, and an export is the same model. */
class SyntheticForwardTest {
    private static final int[] PROMPT = {256, 72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100};

    private static float[] lastLogits(Model m) {
        try (var backend = new CpuBackend(m, CpuBackendConfig.portable(1, 16, 4))) {
            return backend.forward(List.of(new SeqChunk(1, PROMPT, 0, new int[] {0}, true)))[0];
        }
    }

    @Test
    void logitsAreFiniteAndSpreadAndTheExportAgreesBitForBit(@TempDir Path tmp) {
        var hub = new HubOptions(tmp.resolve("hf"), true, null, URI.create("http://127.0.0.1:9"), Duration.ofSeconds(1));
        var options = new LoadOptions(hub, tmp.resolve("digests"), ProgressListener.NONE);
        for (String preset : new String[] {"tiny", "tiny-qwen2", "tiny-qwen3", "tiny-qwen3-moe", "tiny-qwen2-moe"}) {
            float[] logits = lastLogits(ModelLoader.load("synthetic:" + preset, options));
            double sum = 0, sq = 0;
            for (float v : logits) {
                assertTrue(Float.isFinite(v), preset);
                sum += v;
                sq += (double) v * v;
            }
            double mean = sum / logits.length, std = Math.sqrt(sq / logits.length - mean * mean);
            assertTrue(std > 0.01 && std < 10, preset + ": logits std " + std);

            Path folder = SyntheticExport.export("synthetic:" + preset, tmp.resolve(preset));
            float[] fromFolder = lastLogits(ModelLoader.load(folder.toString(), options));
            assertEquals(logits.length, fromFolder.length);
            for (int i = 0; i < logits.length; i++) {
                assertEquals(Float.floatToRawIntBits(logits[i]), Float.floatToRawIntBits(fromFolder[i]), preset + " logit " + i);
            }
        }
    }
}
