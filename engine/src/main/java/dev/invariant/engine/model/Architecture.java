package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Decoder architectures the engine runs; each has one forward pass and one HF-name mapping. */
public enum Architecture {
    /**
     * LlamaForCausalLM (incl. SmolLM2 and llama2.c TinyStories conversions); MistralForCausalLM, which transformers
     * builds from Llama's modules without biases and with a sliding window ({@link SlidingWindow});
     * Phi3ForCausalLM (Phi-3-mini, -medium), the same layer with q|k|v and
     * gate|up stored as one matrix each (WeightMapping splits them) and a sliding window when its config sets one;
     * Mistral3ForConditionalGeneration (Mistral Small 3.x), decoded from text: Mistral under {@code text_config};
     * MixtralForCausalLM, Mistral's layer with experts in place of the MLP ({@link Moe}); Ernie4_5ForCausalLM
     * (ERNIE-4.5-0.3B), this layer with RoPE on interleaved pairs of the whole head (as GLM's, {@code PartialRotary});
     * Ministral3ForCausalLM (Ministral 3, also as Mistral3ForConditionalGeneration's text model), Mistral's layer within
     * the context where its queries are unscaled (HfSemantics.ministral3).
     */
    LLAMA("LlamaForCausalLM", "MistralForCausalLM", "Phi3ForCausalLM", "Mistral3ForConditionalGeneration",
            "MixtralForCausalLM", "Ernie4_5ForCausalLM", "Ministral3ForCausalLM"),
    /**
     * Qwen2ForCausalLM (Qwen1.5, Qwen2, Qwen2.5): bias on q/k/v projections. Also Qwen2VLForConditionalGeneration and
     * Qwen2_5_VLForConditionalGeneration, decoded from text: their language model is this one (HfConfig); and
     * GlmForCausalLM (GLM-4-9B), this layer with gate|up stored fused and RoPE on interleaved pairs of half of each
     * head (PartialRotary); Qwen2MoeForCausalLM (Qwen1.5-MoE, Qwen2-MoE), this layer with experts and a shared
     * expert in place of the MLP ({@link Moe}).
     */
    QWEN2("Qwen2ForCausalLM", "Qwen2VLForConditionalGeneration", "Qwen2_5_VLForConditionalGeneration",
            "GlmForCausalLM", "Qwen2MoeForCausalLM"),
    /**
     * Qwen3ForCausalLM: RMSNorm on each query and key head (q_norm, k_norm), no bias; Qwen3MoeForCausalLM, this layer
     * with experts in place of the MLP ({@link Moe}).
     */
    QWEN3("Qwen3ForCausalLM", "Qwen3MoeForCausalLM"),
    /**
     * Gemma3ForCausalLM (text only: gemma-3-270m, gemma-3-1b): q/k norms, four norms a layer computing x·(1 + w),
     * GELU (tanh), scaled embeddings, sliding layers with their own RoPE base, a final logit softcap ({@link Gemma}).
     * Also Gemma3ForConditionalGeneration (gemma-3-4b, 12b, 27b), decoded from text: its language model is this one,
     * under {@code text_config} and other tensor names (HfGemma, WeightMapping); its vision tower is not read.
     */
    GEMMA3("Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"),
    /** Gemma2ForCausalLM (gemma-2-2b, 9b, 27b): Gemma 3's layer without q/k norms, one RoPE base, scores softcapped. */
    GEMMA2("Gemma2ForCausalLM"),
    /**
     * GemmaForCausalLM (gemma-2b, 7b, 1.1, CodeGemma): Llama's two norms computing x·(1 + w), GELU (exact or tanh,
     * as its hidden_act says), scaled embeddings; no window, no caps ({@link Gemma}).
     */
    GEMMA("GemmaForCausalLM"),
    /**
     * GraniteForCausalLM (IBM Granite 3.x dense): Llama with four multipliers ({@link Granite}); also
     * GraniteMoeHybridForCausalLM where every layer is attention and none has experts (Granite 4.0's dense models), its
     * MLP stored fused (FusedProjections).
     */
    GRANITE("GraniteForCausalLM", "GraniteMoeHybridForCausalLM"),
    /** SmolLM3ForCausalLM: Llama whose NoPE layers do not rotate ({@link NoPeLayers}). */
    SMOLLM3("SmolLM3ForCausalLM"),
    /**
     * Olmo2ForCausalLM (allenai/OLMo-2): no norm before the attention or the MLP, one after each
     * (post_attention_layernorm, post_feedforward_layernorm) before its residual add; q/k norms over the whole
     * projection, not per head. Also Olmo3ForCausalLM (allenai/Olmo-3), this layer with a sliding window on the
     * layers its config marks ({@link SlidingWindow}).
     */
    OLMO2("Olmo2ForCausalLM", "Olmo3ForCausalLM"),
    /**
     * Glm4ForCausalLM (GLM-4-0414, GLM-Z1): GLM's layer (q/k/v biases, gate|up fused, RoPE on interleaved pairs of half
     * of each head) with four norms a layer as Gemma's (post_self_attn_layernorm on the attention's output,
     * post_attention_layernorm on the MLP's input, post_mlp_layernorm on its output), each a plain RMSNorm.
     */
    GLM4("Glm4ForCausalLM"),
    /**
     * OlmoeForCausalLM (allenai/OLMoE-1B-7B): Llama's pre-norm layer with OLMo 2's q/k norms over the whole projection
     * and experts in place of the MLP ({@link Moe}).
     */
    OLMOE("OlmoeForCausalLM"),
    /**
     * Exaone4ForCausalLM (LGAI-EXAONE/EXAONE-4.0): OLMo 2's norms (none before the attention or the MLP, one after
     * each) with q/k norms per head as Qwen3's; where its config sets a window, that window on the layers it marks
     * ({@link SlidingWindow}) and no RoPE on the others ({@link NoPeLayers}).
     */
    EXAONE4("Exaone4ForCausalLM"),
    /**
     * HunYuanDenseV1ForCausalLM (tencent/Hunyuan-0.5B, 1.8B, 4B, 7B): Llama's layer with q/k norms per head applied
     * after RoPE, not before; its RoPE base scaled by an NTK alpha ({@link NtkAlpha}).
     */
    HUNYUAN("HunYuanDenseV1ForCausalLM"),
    /**
     * GPTNeoXForCausalLM (EleutherAI/pythia-*, gpt-neox-20b): LayerNorm with biases, q|k|v fused per head, RoPE on part
     * of each head, an ungated GELU MLP, attention and MLP in parallel ({@link GptBlock}).
     */
    GPT_NEOX("GPTNeoXForCausalLM"),
    /**
     * PhiForCausalLM (microsoft/phi-1, phi-1_5, phi-2): GPT-NeoX's parallel layer with one LayerNorm read by both the
     * attention and the MLP, q/k/v stored apart, a bias on lm_head ({@link GptBlock}).
     */
    PHI("PhiForCausalLM"),
    /**
     * GPT2LMHeadModel (openai-community/gpt2, distilgpt2, and models built on it): GPT-NeoX's layer in sequence, learned
     * positions added to the embeddings in place of RoPE, its projections stored as Conv1D ({@link GptBlock}).
     */
    GPT2("GPT2LMHeadModel"),
    /**
     * Starcoder2ForCausalLM (bigcode/starcoder2-3b, 7b, 15b): GPT-NeoX's layer in sequence with RoPE over the whole head,
     * grouped keys and values and, where its config sets one, a sliding window on every layer ({@link GptBlock}).
     */
    STARCODER2("Starcoder2ForCausalLM"),
    /**
     * StableLmForCausalLM (stabilityai/stablelm-2-1_6b, stablelm-3b-4e1t, stablelm-zephyr-3b): Llama's layer (a gated
     * SiLU MLP, no o_proj or MLP biases) under LayerNorms with biases, q/k/v biases where its config says so, RoPE on
     * part of each head ({@link GptBlock}).
     */
    STABLELM("StableLmForCausalLM");

    /**
     * OLMo 2, EXAONE 4, Gemma 2 and 3 and GLM-4-0414: a norm on the attention's and the MLP's outputs before each
     * residual add.
     */
    public boolean normsOutputs() {
        return this == OLMO2 || this == EXAONE4 || this == GLM4 || this == GEMMA2 || this == GEMMA3;
    }

    /** Every architecture but OLMo 2 and EXAONE 4: a norm on the attention's and the MLP's inputs. */
    public boolean normsInputs() {
        return this != OLMO2 && this != EXAONE4;
    }

    /** HunYuan: q_norm and k_norm (its query_layernorm, key_layernorm) norm each head after RoPE, not before. */
    public boolean qkNormsAfterRope() {
        return this == HUNYUAN;
    }

    /** OLMo 2, OLMoE: q_norm and k_norm are one RMSNorm over a token's whole q and k, not one per head. */
    public boolean qkNormsWholeProjection() {
        return this == OLMO2 || this == OLMOE;
    }

    /**
     * GPT-NeoX, Phi, GPT-2, StarCoder2, StableLM: LayerNorm (with a bias) in place of RMSNorm ({@link GptBlock}), and
     * (but StableLM's) biases on every projection.
     */
    public boolean layerNorm() {
        return this == GPT_NEOX || this == PHI || this == GPT2 || this == STARCODER2 || this == STABLELM;
    }

    /** Gemma 1, 2 and 3: the values of {@link Gemma} apply. */
    public boolean gemma() {
        return this == GEMMA || this == GEMMA2 || this == GEMMA3;
    }

    private final String hfName;
    private final String[] aliases;

    Architecture(String hfName, String... aliases) {
        this.hfName = hfName;
        this.aliases = aliases;
    }

    public String hfName() {
        return hfName;
    }

    public static Architecture fromHf(String name) {
        for (Architecture a : values()) {
            if (a.hfName.equals(name) || Arrays.asList(a.aliases).contains(name)) return a;
        }
        String supported = Arrays.stream(values()).flatMap(a -> Stream.concat(Stream.of(a.hfName),
                Arrays.stream(a.aliases))).sorted().collect(Collectors.joining(", "));
        throw new EngineException(ErrorCode.MODEL_FORMAT, "unsupported architecture '" + name + "': supported are "
                + supported);
    }
}
