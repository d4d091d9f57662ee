package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.backend.StepScript;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Greedy continuations and top-5 logits equal those Hugging Face transformers produced (golden.json). */
class GoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-qwen2", "tiny-qwen3"})
    void greedyIdsAndTopLogitsMatchTransformers(String name) throws IOException {
        JsonNode golden = new ObjectMapper().readTree(TestAssets.model(name).resolve("golden.json").toFile());
        try (LoadedModel m = LoadedModel.open(name);
             CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(2, 16, 64))) {
            long seq = 0;
            for (JsonNode c : golden.get("cases")) {
                int[] prompt = ints(c.get("prompt_ids"));
                int[] expected = ints(c.get("generated_ids"));
                List<Integer> got = new ArrayList<>();
                int blocks = (prompt.length + expected.length + 15) / 16;
                List<float[]> logits = Greedy.run(be, seq++, prompt, expected.length, StepScript.blocks(0, blocks), got);
                String what = name + " \"" + c.get("prompt").asText() + "\"";
                assertEquals(toList(expected), got, what);
                JsonNode top = c.has("top5_first8") ? c.get("top5_first8") : c.get("top5_first4");
                for (JsonNode stepNode : top) {
                    int step = stepNode.get("step").asInt();
                    for (JsonNode e : stepNode.get("top5")) {
                        float want = (float) e.get("logit").asDouble();
                        float have = logits.get(step)[e.get("id").asInt()];
                        assertEquals(want, have, 1e-4f, what + " step " + step + " id " + e.get("id"));
                    }
                }
            }
        }
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) l.add(v);
        return l;
    }
}
