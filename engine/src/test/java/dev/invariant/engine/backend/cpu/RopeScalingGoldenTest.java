package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.numerics.RopeTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RoPE scaling (llama3, linear and yarn in rope_parameters, llama3 and yarn in the older rope_scaling; yarn with its
 * optional parameters), MistralForCausalLM,
 * SmolLM3ForCausalLM (NoPE layers by default and listed) and GraniteForCausalLM (its four multipliers) against
 * Hugging Face transformers: hf-reference/rope-scaling.json, made by bench/device/reference/hf_rope_scaling.py from
 * stories260K with each variant's config edit. The engine, on the same edited copy, decodes HF's greedy ids and
 * top-5 logits, from an inv_freq equal to HF's.
 */
class RopeScalingGoldenTest {
    /**
     * HF's float32 kernels sum in other orders than the contract's (~1e-5 apart on these logits of 10 to 18, as in
     * GoldenTest); a wrong scaling moves them by 1e-2 and more (llama3's first logit is 17.647, unscaled RoPE's 17.799).
     */
    private static final float LOGIT_TOLERANCE = 1e-4f;

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "linear", "llama3-legacy", "mistral", "smollm3", "smollm3-nope", "granite", "yarn",
        "yarn-legacy", "yarn-params"})
    void variantDecodesAsTransformers(String variant, @TempDir Path dir) throws IOException {
        JsonNode v = reference().get("variants").get(variant);
        Path folder = TestAssets.editedCopy("stories260K", v.get("config_edit"), dir);
        try (LoadedModel m = LoadedModel.open(variant, folder);
             CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(2, 16, 64))) {
            // HF computes inv_freq in float32, the contract in binary64 rounded once: at most an ulp apart
            RopeTable table = RopeTable.of(m.model().config());
            JsonNode hf = v.get("inv_freq");
            assertEquals(m.model().config().headDim() / 2, hf.size());
            for (int i = 0; i < hf.size(); i++) {
                float want = (float) hf.get(i).asDouble();
                float have = (float) table.invFreq(i);
                assertTrue(Math.abs(have - want) <= Math.ulp(want), variant + " inv_freq[" + i + "] " + have
                        + " vs HF " + want);
            }
            // and cos and sin times HF's attention_scaling (yarn's, from its factor or as given), as HF multiplies them
            double scaling = v.get("attention_scaling").asDouble();
            assertEquals(scaling, m.model().config().ropeScaling().attentionFactor(), variant + " attention factor");
            table.ensure(4);
            assertEquals((float) (StrictMath.cos(3 * table.invFreq(1)) * scaling), table.cos(3, 1), variant);
            decodesAsReference(be, v.get("cases"), variant);
        }
    }

    /**
     * Each reference case (prompt ids, HF's greedy ids, its top-5 logits of the first steps), decoded greedily on
     * {@code be}: the same ids, the same logits within {@link #LOGIT_TOLERANCE}.
     */
    static void decodesAsReference(CpuBackend be, JsonNode cases, String label) {
        long seq = 0;
        for (JsonNode c : cases) {
            int[] prompt = GoldenTest.ints(c.get("prompt_ids"));
            int[] expected = GoldenTest.ints(c.get("generated_ids"));
            List<Integer> got = new ArrayList<>();
            int blocks = (prompt.length + expected.length + 15) / 16;
            List<float[]> logits = Greedy.run(be, seq++, prompt, expected.length, StepScript.blocks(0, blocks), got);
            String what = label + " \"" + c.get("prompt").asText() + "\"";
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

    static JsonNode reference() throws IOException {
        try (InputStream in = RopeScalingGoldenTest.class.getResourceAsStream("/hf-reference/rope-scaling.json")) {
            return new ObjectMapper().readTree(in);
        }
    }
}
