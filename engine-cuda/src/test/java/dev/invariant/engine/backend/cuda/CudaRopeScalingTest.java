package dev.invariant.engine.backend.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.backend.cpu.LoadedModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The RoPE scalings, the Mistral name, SmolLM3's NoPE layers and Granite's multipliers of
 * {@code hf-reference/rope-scaling.json}
 * (stories260K's config edited as transformers' reference run edited it; the CPU decodes transformers' tokens there:
 * RopeScalingGoldenTest): the
 * CUDA backend's logits have the CPU's bits, so the GPU takes the same scaled table (and a NoPE layer the same
 * identity's table, and Granite's embeddings, scores, residual adds and logits the same multipliers:
 * kernels/pointwise.cu).
 */
class CudaRopeScalingTest {

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "linear", "llama3-legacy", "mistral", "smollm3", "smollm3-nope", "granite", "yarn",
        "yarn-legacy", "yarn-params"})
    void scaledTablesGiveTheCpusBits(String variant) throws IOException {
        JsonNode edit;
        try (InputStream in = CudaRopeScalingTest.class.getResourceAsStream("/hf-reference/rope-scaling.json")) {
            edit = new ObjectMapper().readTree(in).get("variants").get(variant).get("config_edit");
        }
        Path dir = Files.createTempDirectory("rope-" + variant);
        try (LoadedModel m = LoadedModel.open("stories260K-" + variant,
                TestAssets.editedCopy("stories260K", edit, dir))) {
            CudaMatchesCpuTest.compare("stories260K-" + variant, m.model());
        }
    }
}
