package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfLoadingTest {

    @Test
    void readsStoriesConfig() {
        ModelConfig c = HfConfig.read(TestAssets.model("stories260K"));
        assertEquals(Architecture.LLAMA, c.architecture());
        assertEquals(64, c.hiddenSize());
        assertEquals(172, c.intermediateSize());
        assertEquals(5, c.numLayers());
        assertEquals(8, c.numHeads());
        assertEquals(4, c.numKvHeads());
        assertEquals(8, c.headDim());
        assertEquals(512, c.vocabSize());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(1e-5f, c.rmsNormEps());
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.attentionBias());
        assertFalse(c.qkNorm());
        assertEquals(1, c.bosTokenId());
        assertEquals(List.of(2), c.eosTokenIds());
    }

    @Test
    void qwenFlagsFollowTheArchitecture() {
        ModelConfig q2 = HfConfig.read(TestAssets.model("tiny-qwen2"));
        assertEquals(Architecture.QWEN2, q2.architecture());
        assertTrue(q2.attentionBias());
        assertFalse(q2.qkNorm());
        assertEquals(8, q2.headDim());
        assertEquals(1e6, q2.ropeTheta());
        ModelConfig q3 = HfConfig.read(TestAssets.model("tiny-qwen3"));
        assertEquals(Architecture.QWEN3, q3.architecture());
        assertTrue(q3.qkNorm());
        assertFalse(q3.attentionBias());
        assertEquals(16, q3.headDim());
        assertFalse(q3.tieWordEmbeddings());
    }

    @Test
    void eosListInGenerationConfigWins(@TempDir Path dir) throws IOException {
        Files.copy(TestAssets.model("tiny-qwen2").resolve("config.json"), dir.resolve("config.json"));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643]}");
        assertEquals(List.of(151645, 151643), HfConfig.read(dir).eosTokenIds());
    }

    @Test
    void missingOrBrokenConfigIsReported(@TempDir Path dir) throws IOException {
        assertEquals(ErrorCode.UNKNOWN_MODEL,
                assertThrows(EngineException.class, () -> HfConfig.read(dir.resolve("nope"))).code());
        assertEquals(ErrorCode.UNKNOWN_MODEL, assertThrows(EngineException.class, () -> HfConfig.read(dir)).code());
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64}");
        EngineException e = assertThrows(EngineException.class, () -> HfConfig.read(dir));
        assertEquals(ErrorCode.MODEL_FORMAT, e.code());
        assertTrue(e.getMessage().contains("num_attention_heads"), e.getMessage());
        Files.writeString(dir.resolve("config.json"), "{not json");
        assertEquals(ErrorCode.MODEL_FORMAT, assertThrows(EngineException.class, () -> HfConfig.read(dir)).code());
    }

    @Test
    void mapsEveryArchitecture() {
        for (String name : List.of("stories260K", "tiny-qwen2", "tiny-qwen3")) {
            Path folder = TestAssets.model(name);
            ModelConfig c = HfConfig.read(folder);
            try (SafetensorsReader r = SafetensorsReader.openFolder(folder)) {
                ModelWeights w = WeightMapping.map(c, r.tensors());
                assertEquals(c.numLayers(), w.layers().size());
                LayerWeights l0 = w.layers().get(0);
                assertEquals(c.attentionBias(), l0.qBias() != null, name);
                assertEquals(c.qkNorm(), l0.kNorm() != null, name);
                if (c.tieWordEmbeddings()) assertSame(w.embedTokens(), w.lmHead());
                else assertNotSame(w.embedTokens(), w.lmHead());
                assertArrayEquals(new long[] {c.qDim(), c.hiddenSize()}, l0.qProj().shape());
            }
        }
    }

    @Test
    void tensorBytesAreTheFileBytes() throws IOException {
        Path folder = TestAssets.model("stories260K");
        byte[] file = Files.readAllBytes(folder.resolve("model.safetensors"));
        long headerLen = java.nio.ByteBuffer.wrap(file, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        try (SafetensorsReader r = SafetensorsReader.openFolder(folder)) {
            Tensor e = r.tensors().get("model.embed_tokens.weight");
            // The embedding starts the data region in this file (data_offsets [0, 131072]).
            int base = (int) (8 + headerLen);
            for (int i = 0; i < 64; i++) {
                assertEquals(file[base + i], e.data().get(ValueLayout.JAVA_BYTE, i));
            }
            assertTrue(e.data().isReadOnly());
        }
    }

    @Test
    void missingTensorAndWrongShapeAreModelFormat() {
        Path folder = TestAssets.model("tiny-qwen3");
        ModelConfig c = HfConfig.read(folder);
        try (SafetensorsReader r = SafetensorsReader.openFolder(folder)) {
            Map<String, Tensor> t = new HashMap<>(r.tensors());
            t.remove("model.layers.1.self_attn.k_norm.weight");
            EngineException e = assertThrows(EngineException.class, () -> WeightMapping.map(c, t));
            assertEquals(ErrorCode.MODEL_FORMAT, e.code());
            assertTrue(e.getMessage().contains("model.layers.1.self_attn.k_norm.weight"), e.getMessage());
            Map<String, Tensor> t2 = new HashMap<>(r.tensors());
            Tensor q = t2.get("model.layers.0.self_attn.q_proj.weight");
            t2.put(q.name(), Tensor.of(q.name(), q.dtype(), new long[] {32, 64}, q.data()));
            e = assertThrows(EngineException.class, () -> WeightMapping.map(c, t2));
            assertTrue(e.getMessage().contains("q_proj"), e.getMessage());
        }
    }

    @Test
    void untiedModelWithoutLmHeadFails() {
        Path folder = TestAssets.model("tiny-qwen3");
        ModelConfig c = HfConfig.read(folder);
        try (SafetensorsReader r = SafetensorsReader.openFolder(folder)) {
            Map<String, Tensor> t = new HashMap<>(r.tensors());
            t.remove("lm_head.weight");
            assertTrue(assertThrows(EngineException.class, () -> WeightMapping.map(c, t))
                    .getMessage().contains("lm_head.weight"));
        }
    }

    @Test
    void noWeightsInFolderIsUnknownModel(@TempDir Path dir) {
        assertEquals(ErrorCode.UNKNOWN_MODEL,
                assertThrows(EngineException.class, () -> SafetensorsReader.openFolder(dir)).code());
    }
}
