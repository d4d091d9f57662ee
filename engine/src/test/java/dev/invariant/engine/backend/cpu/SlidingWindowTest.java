package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.backend.StepScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sliding window narrower than the context (Mistral-7B-v0.1, Phi-3-mini-4k) is computed, not capped: the model keeps
 * its whole context, a query sees itself and the window - 1 keys before it, so the logits equal full attention's bit
 * for bit until a sequence outgrows the window and leave them at that step. (Transformers' own tokens through the
 * window: SeededModelsGoldenTest's window checkpoints.)
 */
class SlidingWindowTest {
    private static final int WINDOW = 16;

    @Test
    void logitsEqualFullAttentionWithinTheWindowAndLeaveItPast(@TempDir Path dir) throws IOException {
        Path windowed = mistral(dir, "windowed", WINDOW);
        Path full = mistral(dir, "full", null);
        int[] prompt = {1, 403, 407, 261, 378, 270};
        int steps = 24;
        List<float[]> a = greedy(windowed, prompt, steps);
        List<float[]> b = greedy(full, prompt, steps);
        int firstPast = WINDOW - prompt.length + 1; // the step whose query sits at position WINDOW
        for (int s = 0; s < firstPast; s++) {
            assertArrayEquals(bits(b.get(s)), bits(a.get(s)), "step " + s + " is within the window");
        }
        assertFalse(Arrays.equals(bits(b.get(firstPast)), bits(a.get(firstPast))),
                "the first query past the window must not see the first key");
    }

    @Test
    void theModelKeepsItsWholeContext(@TempDir Path dir) throws IOException {
        Path folder = mistral(dir, "windowed", WINDOW);
        List<String> log = new ArrayList<>();
        try (Engine e = Engine.open(EngineConfig.defaults(folder.toString()).withThreads(1).withMaxModelLen(512),
                log::add)) {
            assertEquals(512, e.core().contextLength());
        }
        assertFalse(log.stream().anyMatch(l -> l.contains("context: at most")), log.toString());
    }

    /** stories260K as MistralForCausalLM with the given window (null: none). */
    private static Path mistral(Path dir, String name, Integer window) throws IOException {
        return TestAssets.editedCopy("stories260K", new ObjectMapper().readTree("{\"architectures\":"
                + " [\"MistralForCausalLM\"], \"model_type\": \"mistral\", \"sliding_window\": " + window + "}"),
                Files.createDirectory(dir.resolve(name)));
    }

    private static List<float[]> greedy(Path folder, int[] prompt, int steps) {
        try (LoadedModel m = LoadedModel.open(folder.getFileName().toString(), folder);
             CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(2, 16, 64))) {
            return Greedy.run(be, 0, prompt, steps, StepScript.blocks(0, 2), new ArrayList<>());
        }
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
    }
}
