package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole engine (tokenizer, scheduler, backend: cpu, or the one TestAssets.backend() names; greedy sampler) against Hugging Face transformers: the prompt
 * text tokenises to the reference prompt ids, and greedy decoding of every golden case, all in one continuously
 * batched workload, yields the reference ids.
 */
class GoldenEngineTest {

    static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
        return v;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-qwen2", "tiny-qwen3"})
    void greedyIdsEqualTransformers(String name) throws IOException {
        JsonNode cases = new ObjectMapper().readTree(TestAssets.model(name).resolve("golden.json").toFile()).get("cases");
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            int n = c.get("generated_ids").size();
            requests.add(new Request("case-" + i, Prompt.text(c.get("prompt").asText()),
                    SamplingParams.builder().maxTokens(n).ignoreEos(true).build()));
        }
        EngineConfig config = EngineConfig.defaults(TestAssets.model(name).toString()).withThreads(2)
                .withBackend(TestAssets.backend());
        try (Engine engine = Engine.open(config)) {
            List<GenerationResult> results = engine.generateAll(requests, (d, t, k) -> { });
            for (int i = 0; i < cases.size(); i++) {
                GenerationResult r = results.get(i);
                assertTrue(r.ok(), () -> r.error().describe());
                assertArrayEquals(ints(cases.get(i).get("prompt_ids")), r.promptTokenIds(), name + " case " + i + " prompt ids");
                assertArrayEquals(ints(cases.get(i).get("generated_ids")), r.tokenIds(), name + " case " + i + " generated ids");
                assertEquals(64, r.outputHash().length());
                assertEquals(64, r.fingerprint().length());
            }
        }
    }
}
