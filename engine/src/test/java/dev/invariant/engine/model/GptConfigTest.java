package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-NeoX's, Phi's, GPT-2's, StarCoder2's and StableLM's config.json as the hub's checkpoints write it (EleutherAI/
 * pythia-160m's, microsoft/phi-2's, openai-community/gpt2's, bigcode/starcoder2-7b's and stabilityai/stablelm-2-1_6b's
 * keys), read as their configuration classes
 * read them:
 * their older names, their defaults, what is refused.
 */
class GptConfigTest {
    private static final String PYTHIA_160M = """
            {"architectures": ["GPTNeoXForCausalLM"], "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu",
             "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-05,
             "max_position_embeddings": 2048, "model_type": "gpt_neox", "num_attention_heads": 12,
             "num_hidden_layers": 12, "rotary_emb_base": 10000, "rotary_pct": 0.25, "tie_word_embeddings": false,
             "torch_dtype": "float16", "transformers_version": "4.24.0", "use_cache": true,
             "use_parallel_residual": true, "vocab_size": 50304%s}""";
    private static final String PHI_2 = """
            {"architectures": ["PhiForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 50256, "embd_pdrop": 0.0,
             "eos_token_id": 50256, "hidden_act": "gelu_new", "hidden_size": 2560, "initializer_range": 0.02,
             "intermediate_size": 10240, "layer_norm_eps": 1e-05, "max_position_embeddings": 2048,
             "model_type": "phi", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
             "partial_rotary_factor": 0.4, "qk_layernorm": false, "resid_pdrop": 0.1, "rope_scaling": null,
             "rope_theta": 10000.0, "tie_word_embeddings": false, "torch_dtype": "float16", "use_cache": true,
             "vocab_size": 51200%s}""";

    private static final String GPT2 = """
            {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
             "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
             "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
             "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "summary_activation": null,
             "summary_first_dropout": 0.1, "summary_proj_to_labels": true, "summary_type": "cls_index",
             "summary_use_proj": true, "vocab_size": 50257%s}""";

    @TempDir
    Path dir;
    private int copies;

    private ModelConfig read(String json) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("m" + copies++));
        Files.writeString(folder.resolve("config.json"), json);
        return HfConfig.read(folder);
    }

    private String refused(String json) {
        EngineException e = assertThrows(EngineException.class, () -> read(json), json);
        assertEquals(ErrorCode.MODEL_FORMAT, e.code(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void pythiaReadsAsGptNeoXConfig() throws IOException {
        ModelConfig c = read(PYTHIA_160M.formatted(""));
        assertEquals(Architecture.GPT_NEOX, c.architecture());
        assertEquals(768, c.hiddenSize());
        assertEquals(12, c.numKvHeads());
        assertEquals(64, c.headDim());
        // rotary_pct 0.25 of 64 dims, rotate-half within them (not interleaved)
        assertEquals(16, c.ropeScaling().rotaryDim(c.headDim()));
        assertFalse(c.ropeScaling().interleaved());
        assertEquals(10_000.0, c.ropeTheta());
        assertEquals(1e-5f, c.rmsNormEps());
        assertEquals(new GptBlock(true, Activation.GELU_ERF), c.gptBlock());
        assertTrue(c.attentionBias());
        assertFalse(c.tieWordEmbeddings());
        assertEquals(2048, c.maxPositionEmbeddings());
        assertEquals(java.util.List.of(0), c.eosTokenIds());
    }

    @Test
    void gptNeoXsNewerNamesAndDefaults() throws IOException {
        // transformers 5's own form: rope_parameters in place of rotary_emb_base and rotary_pct
        ModelConfig v5 = read("""
                {"architectures": ["GPTNeoXForCausalLM"], "hidden_size": 64, "num_attention_heads": 4,
                 "num_hidden_layers": 2, "intermediate_size": 256, "vocab_size": 512, "layer_norm_eps": 1e-6,
                 "use_parallel_residual": false, "hidden_act": "gelu_new",
                 "rope_parameters": {"rope_type": "default", "rope_theta": 500.0, "partial_rotary_factor": 0.5}}""");
        assertEquals(8, v5.ropeScaling().rotaryDim(16));
        assertEquals(500.0, v5.ropeTheta());
        assertEquals(1e-6f, v5.rmsNormEps());
        assertEquals(new GptBlock(false, Activation.GELU_TANH), v5.gptBlock());
        // every absent key: GPTNeoXConfig's (gpt-neox-20b's shape, rotary_pct 0.25, gelu, parallel)
        ModelConfig bare = read("{\"architectures\": [\"GPTNeoXForCausalLM\"]}");
        assertEquals(java.util.List.of(6144, 44, 64, 24_576, 50_432), java.util.List.of(bare.hiddenSize(),
                bare.numLayers(), bare.numHeads(), bare.intermediateSize(), bare.vocabSize()));
        assertEquals(24, bare.ropeScaling().rotaryDim(bare.headDim()));
        assertEquals(new GptBlock(true, Activation.GELU_ERF), bare.gptBlock());
        assertEquals(java.util.List.of(2), bare.eosTokenIds());
    }

    @Test
    void gptNeoXsUnsupportedFormsAreRefusedByName() {
        String relu = refused(PYTHIA_160M.replace("\"gelu\"", "\"relu\"").formatted(""));
        assertTrue(relu.contains("hidden_act \"relu\"") && relu.contains("GPTNeoXForCausalLM"), relu);
        String bias = refused(PYTHIA_160M.formatted(", \"attention_bias\": false"));
        assertTrue(bias.contains("attention_bias false"), bias);
    }

    @Test
    void gpt2ReadsAsGpt2Config() throws IOException {
        ModelConfig c = read(GPT2.formatted(""));
        assertEquals(Architecture.GPT2, c.architecture());
        assertEquals(java.util.List.of(768, 12, 12, 12, 64, 3072, 50_257, 1024), java.util.List.of(c.hiddenSize(),
                c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(), c.intermediateSize(), c.vocabSize(),
                c.maxPositionEmbeddings()));
        assertEquals(new GptBlock(false, Activation.GELU_TANH, true), c.gptBlock());
        assertTrue(c.tieWordEmbeddings());
        assertTrue(c.attentionBias());
        assertEquals(1e-5f, c.rmsNormEps());
        // learned positions: no layer rotates
        for (int l = 0; l < c.numLayers(); l++) assertFalse(c.rotates(l));
        assertEquals(1000, read(GPT2.formatted(", \"n_inner\": 1000")).intermediateSize());
        for (String key : new String[] {"scale_attn_by_inverse_layer_idx", "add_cross_attention"}) {
            String m = refused(GPT2.formatted(", \"" + key + "\": true"));
            assertTrue(m.contains(key + " true"), m);
        }
        String act = refused(GPT2.replace("\"gelu_new\"", "\"relu\"").formatted(""));
        assertTrue(act.contains("activation_function \"relu\""), act);
    }

    @Test
    void starcoder2ReadsAsStarcoder2Config() throws IOException {
        // bigcode/starcoder2-7b's keys
        String sc2 = """
                {"architectures": ["Starcoder2ForCausalLM"], "attention_dropout": 0.1, "residual_dropout": 0.1,
                 "embedding_dropout": 0.1, "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu_pytorch_tanh",
                 "hidden_size": 4608, "initializer_range": 0.018042, "intermediate_size": 18432,
                 "max_position_embeddings": 16384, "mlp_type": "default", "model_type": "starcoder2",
                 "norm_epsilon": 1e-05, "norm_type": "layer_norm", "num_attention_heads": 36,
                 "num_hidden_layers": 32, "num_key_value_heads": 4, "rope_theta": 1000000, "sliding_window": 4096,
                 "torch_dtype": "bfloat16", "use_bias": true, "use_cache": true, "vocab_size": 49152%s}""";
        ModelConfig c = read(sc2.formatted(""));
        assertEquals(Architecture.STARCODER2, c.architecture());
        assertEquals(java.util.List.of(36, 4, 128, 16_384), java.util.List.of(c.numHeads(), c.numKvHeads(), c.headDim(),
                c.maxPositionEmbeddings()));
        assertEquals(new GptBlock(false, Activation.GELU_TANH), c.gptBlock());
        assertEquals(4096, c.slidingWindow().size());
        assertEquals(32, c.slidingWindow().slidingLayers().length);
        assertEquals(c.headDim(), c.ropeScaling().rotaryDim(c.headDim()));
        assertTrue(c.tieWordEmbeddings());
        assertEquals(0, read(sc2.replace("\"sliding_window\": 4096,", "").formatted("")).slidingWindow().size());
        String bias = refused(sc2.replace("\"use_bias\": true", "\"use_bias\": false").formatted(""));
        assertTrue(bias.contains("use_bias false"), bias);
    }

    @Test
    void stableLm2ReadsAsStableLmConfig() throws IOException {
        // stabilityai/stablelm-2-1_6b's keys
        String lm = """
                {"architectures": ["StableLmForCausalLM"], "bos_token_id": 100257, "eos_token_id": 100257,
                 "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 5632,
                 "layer_norm_eps": 1e-05, "max_position_embeddings": 4096, "model_type": "stablelm",
                 "num_attention_heads": 32, "num_hidden_layers": 24, "num_key_value_heads": 32,
                 "partial_rotary_factor": 0.25, "qk_layernorm": false, "rope_theta": 10000,
                 "tie_word_embeddings": false, "use_cache": true, "use_parallel_residual": false,
                 "use_qkv_bias": true, "vocab_size": 100352%s}""";
        ModelConfig c = read(lm.formatted(""));
        assertEquals(Architecture.STABLELM, c.architecture());
        assertEquals(16, c.ropeScaling().rotaryDim(c.headDim()));
        assertEquals(new GptBlock(false, Activation.SILU), c.gptBlock());
        assertEquals(Activation.SILU, c.activation());
        assertTrue(c.attentionBias());
        assertFalse(read(lm.replace("\"use_qkv_bias\": true,", "").formatted("")).attentionBias());
        for (String key : new String[] {"use_parallel_residual", "qk_layernorm"}) {
            String m = refused(lm.replace("\"" + key + "\": false,", "").formatted(", \"" + key + "\": true"));
            assertTrue(m.contains(key + " true"), m);
        }
    }

    @Test
    void phi2ReadsAsPhiConfig() throws IOException {
        ModelConfig c = read(PHI_2.formatted(""));
        assertEquals(Architecture.PHI, c.architecture());
        assertEquals(80, c.headDim());
        // 0.4 of 80 dims
        assertEquals(32, c.ropeScaling().rotaryDim(c.headDim()));
        assertEquals(new GptBlock(true, Activation.GELU_TANH), c.gptBlock());
        assertEquals(1e-5f, c.rmsNormEps());
        assertEquals(java.util.List.of(50256), c.eosTokenIds());
        // phi-1_5's config names no partial_rotary_factor: PhiConfig's 0.5
        assertEquals(40, read(PHI_2.replace("\"partial_rotary_factor\": 0.4,", "").formatted(""))
                .ropeScaling().rotaryDim(80));
        String qk = refused(PHI_2.formatted(", \"qk_layernorm\": true").replace("\"qk_layernorm\": false,", ""));
        assertTrue(qk.contains("qk_layernorm true"), qk);
    }
}
