package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.model.Gemma;
import dev.invariant.engine.model.HfConfig;
import dev.invariant.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma3ForCausalLM against Hugging Face transformers: hf-reference/gemma3.json and the checkpoint it was made from
 * (test resource /models/tiny-gemma3), both made by bench/device/reference/hf_gemma3.py. Every case is longer than
 * the sliding window (16), so the sliding layers' window, their RoPE base and the full layers' all count.
 */
class Gemma3GoldenTest {
    /** As RopeScalingGoldenTest: HF's float32 sums run in other orders (~1e-5 apart); a wrong step moves 1e-2 and more. */
    private static final float LOGIT_TOLERANCE = 1e-4f;

    @Test
    void decodesAsTransformers() throws IOException {
        JsonNode ref = TestAssets.reference("gemma3.json");
        try (LoadedModel m = LoadedModel.open("tiny-gemma3", TestAssets.model("tiny-gemma3"));
             CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(2, 16, 64))) {
            long seq = 0;
            for (JsonNode c : ref.get("cases")) {
                int[] prompt = GoldenTest.ints(c.get("prompt_ids"));
                int[] expected = GoldenTest.ints(c.get("generated_ids"));
                assertTrue(prompt.length + expected.length > m.model().config().gemma().slidingWindow());
                List<Integer> got = new ArrayList<>();
                int blocks = (prompt.length + expected.length + 15) / 16;
                List<float[]> logits = Greedy.run(be, seq++, prompt, expected.length, StepScript.blocks(0, blocks), got);
                String what = "\"" + c.get("prompt").asText() + "\"";
                assertEquals(GoldenTest.toList(expected), got, what);
                JsonNode top = c.get("top5_first8");
                for (int step = 0; step < top.size(); step++) {
                    for (JsonNode e : top.get(step)) {
                        float want = (float) e.get("logit").asDouble();
                        float have = logits.get(step)[e.get("id").asInt()];
                        assertEquals(want, have, LOGIT_TOLERANCE, what + " step " + step + " id " + e.get("id"));
                    }
                }
            }
        }
    }

    @Test
    void theHubsKeysAndTransformersOwnReadAlike(@TempDir Path dir) throws IOException {
        Path folder = TestAssets.model("tiny-gemma3");
        ModelConfig hub = HfConfig.read(folder);
        Files.copy(folder.resolve("config-v5.json"), dir.resolve("config.json"));
        ModelConfig v5 = HfConfig.read(dir);
        assertEquals(hub, v5);
        Gemma g = hub.gemma();
        assertEquals(List.of(true, true, false, true, true, false), g.slidingLayers());
        assertEquals(16, g.slidingWindow());
        assertEquals(10_000.0, g.localRopeTheta());
        assertEquals(1e6, hub.ropeTheta());
        assertEquals(30f, g.finalLogitSoftcap());
        assertEquals((float) (1 / Math.sqrt(24)), g.attentionScale(), 1e-7f);
        assertTrue(hub.tieWordEmbeddings() && hub.qkNorm() && !hub.attentionBias());
    }

    @Test
    void withoutLayerTypesEverySixthLayerIsFull(@TempDir Path dir) throws IOException {
        ObjectNode c = config();
        c.remove("layer_types");
        c.put("num_hidden_layers", 12);
        assertEquals(List.of(true, true, true, true, true, false, true, true, true, true, true, false),
                read(c, dir).gemma().slidingLayers());
        c.put("sliding_window_pattern", 2);
        assertEquals(List.of(true, false, true, false, true, false, true, false, true, false, true, false),
                read(c, dir).gemma().slidingLayers());
    }

    @Test
    void whatTheEngineWouldComputeOtherwiseIsRefusedByName(@TempDir Path dir) throws IOException {
        String[][] cases = {
            {"hidden_activation", "\"gelu\""}, {"attn_logit_softcapping", "50.0"},
            {"use_bidirectional_attention", "true"}, {"attention_bias", "true"}, {"sliding_window", "0"},
        };
        for (String[] kv : cases) {
            ObjectNode c = config();
            c.set(kv[0], new ObjectMapper().readTree(kv[1]));
            EngineException e = assertThrows(EngineException.class, () -> read(c, dir), kv[0]);
            assertTrue(e.getMessage().contains(kv[0]), e.getMessage());
        }
    }

    private static ObjectNode config() throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(TestAssets.model("tiny-gemma3").resolve("config.json").toFile());
    }

    private static ModelConfig read(ObjectNode config, Path dir) throws IOException {
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
        return HfConfig.read(dir);
    }
}
