package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.List;

/**
 * The shape and constants of a decoder model, as read from Hugging Face {@code config.json}.
 * Validated when built, so a bad config fails at load time with a clear message.
 *
 * @param headDim         per-head width; Qwen3 sets it explicitly (≠ hidden / heads)
 * @param rmsNormEps      the norms' epsilon (GPT-NeoX: its LayerNorm's, layer_norm_eps)
 * @param attentionBias   q/k/v projections carry a bias (Qwen2, GPT-NeoX)
 * @param qkNorm          RMSNorm over each query/key head before RoPE (Qwen3)
 * @param eosTokenIds     ids that end generation (config.json / generation_config.json)
 * @param ropeScaling     how RoPE's inverse frequencies are scaled (rope_type linear, llama3); {@link RopeScaling#NONE}
 * @param slidingWindow   the layers that attend through a sliding window, and its width; {@link SlidingWindow#NONE}
 * @param variant         what the architecture computes beyond the shared Llama layer (Gemma 2 and 3, Granite,
 *                        SmolLM3); null for Llama, Mistral, Qwen2 and Qwen3
 * @param moe             the experts that replace the MLP (Mixtral, Qwen2-MoE, Qwen3-MoE); null for a dense model
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double ropeTheta,
        float rmsNormEps,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean qkNorm,
        int bosTokenId,
        List<Integer> eosTokenIds,
        RopeScaling ropeScaling,
        SlidingWindow slidingWindow,
        ModelVariant variant,
        Moe moe) {

    /** A dense model (no experts). */
    public ModelConfig(Architecture architecture, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                       int numKvHeads, int headDim, int vocabSize, int maxPositionEmbeddings, double ropeTheta,
                       float rmsNormEps, boolean tieWordEmbeddings, boolean attentionBias, boolean qkNorm,
                       int bosTokenId, List<Integer> eosTokenIds, RopeScaling ropeScaling,
                       SlidingWindow slidingWindow, ModelVariant variant) {
        this(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, vocabSize,
                maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, attentionBias, qkNorm, bosTokenId,
                eosTokenIds, ropeScaling, slidingWindow, variant, null);
    }

    /** A model of an architecture without a {@link ModelVariant}. */
    public ModelConfig(Architecture architecture, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                       int numKvHeads, int headDim, int vocabSize, int maxPositionEmbeddings, double ropeTheta,
                       float rmsNormEps, boolean tieWordEmbeddings, boolean attentionBias, boolean qkNorm,
                       int bosTokenId, List<Integer> eosTokenIds, RopeScaling ropeScaling,
                       SlidingWindow slidingWindow) {
        this(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, vocabSize,
                maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, attentionBias, qkNorm, bosTokenId,
                eosTokenIds, ropeScaling, slidingWindow, null, null);
    }

    /** A model with unscaled RoPE and full attention (synthetic presets, tests). */
    public ModelConfig(Architecture architecture, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                       int numKvHeads, int headDim, int vocabSize, int maxPositionEmbeddings, double ropeTheta,
                       float rmsNormEps, boolean tieWordEmbeddings, boolean attentionBias, boolean qkNorm,
                       int bosTokenId, List<Integer> eosTokenIds) {
        this(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, vocabSize,
                maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, attentionBias, qkNorm, bosTokenId,
                eosTokenIds, RopeScaling.NONE, SlidingWindow.NONE, null, null);
    }

    public ModelConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        require(ropeScaling != null, "rope scaling is missing");
        require(slidingWindow != null && (slidingWindow.size() == 0 || slidingWindow.layers().size() == numLayers),
                "the sliding window's layers " + slidingWindow + " are not one per layer of " + numLayers);
        require(hiddenSize > 0, "hidden_size must be > 0");
        require(intermediateSize > 0, "intermediate_size must be > 0");
        require(numLayers > 0, "num_hidden_layers must be > 0");
        require(numHeads > 0 && numKvHeads > 0, "num_attention_heads and num_key_value_heads must be > 0");
        require(numHeads % numKvHeads == 0, "num_attention_heads must be a multiple of num_key_value_heads");
        require(headDim > 0 && headDim % 2 == 0, "head_dim must be even and > 0");
        int rotary = ropeScaling.rotaryDim(headDim);
        require(rotary > 0 && rotary % 2 == 0, "partial_rotary_factor " + ropeScaling.partialRotaryFactor()
                + " rotates " + rotary + " of head_dim " + headDim + "'s dims: an even number > 0 is needed");
        require(ropeScaling.type() != RopeScaling.Type.LONGROPE || ropeScaling.shortFactors().size() == rotary / 2,
                "longrope's short_factor has " + ropeScaling.shortFactors().size() + " entries, the rotated dims / 2 = "
                        + rotary / 2 + " needed");
        require(vocabSize > 0, "vocab_size must be > 0");
        require(maxPositionEmbeddings > 0, "max_position_embeddings must be > 0");
        require(ropeTheta > 0, "rope_theta must be > 0");
        require(rmsNormEps > 0, "rms_norm_eps must be > 0");
        require(moe == null || moe.sparse().size() == numLayers, "the experts' layers are not one per layer of "
                + numLayers);
        require(moe == null || (!architecture.gemma()
                && architecture != Architecture.OLMO2 && architecture != Architecture.GLM4
                && architecture != Architecture.EXAONE4),
                "experts are read for Mixtral, OLMoE, Qwen2-MoE and Qwen3-MoE only");
        require(switch (architecture) {
            case GEMMA2, GEMMA3 -> variant instanceof Gemma g && slidingWindow.size() > 0 && !attentionBias
                    && qkNorm == (architecture == Architecture.GEMMA3) && g.activation() == Activation.GELU_TANH;
            case GEMMA -> variant instanceof Gemma g && slidingWindow.size() == 0 && !attentionBias && !qkNorm
                    && g.finalLogitSoftcap() == 0 && g.attnLogitSoftcap() == 0 && g.queryPreAttnScalar() == headDim;
            case GRANITE -> variant instanceof Granite;
            case SMOLLM3 -> variant instanceof NoPeLayers s && s.rope().size() == numLayers;
            case EXAONE4 -> (variant == null || variant instanceof NoPeLayers s && s.rope().size() == numLayers)
                    && qkNorm && !attentionBias;
            case LLAMA, QWEN2, QWEN3 -> variant == null;
            case HUNYUAN -> (variant == null || variant instanceof NtkAlpha) && qkNorm && !attentionBias;
            case OLMO2 -> variant == null && qkNorm && !attentionBias;
            case GLM4 -> variant == null && attentionBias && !qkNorm;
            case OLMOE -> variant == null && qkNorm && !attentionBias && moe != null;
            case GPT_NEOX -> variant instanceof GptBlock g && !g.learnedPositions() && attentionBias && !qkNorm
                    && moe == null && g.activation() != Activation.SILU;
            case PHI -> variant instanceof GptBlock g && g.parallel() && !g.learnedPositions() && attentionBias
                    && !qkNorm && moe == null && g.activation() != Activation.SILU;
            case GPT2 -> variant instanceof GptBlock g && !g.parallel() && g.learnedPositions() && attentionBias
                    && !qkNorm && moe == null && slidingWindow.size() == 0 && g.activation() != Activation.SILU;
            case STARCODER2 -> variant instanceof GptBlock g && !g.parallel() && !g.learnedPositions() && attentionBias
                    && !qkNorm && moe == null && g.activation() != Activation.SILU;
            case STABLELM -> variant instanceof GptBlock g && !g.parallel() && !g.learnedPositions() && !qkNorm
                    && moe == null && g.activation() == Activation.SILU;
        }, architecture.hfName() + " and its values do not match: " + variant);
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: " + message);
    }

    /** This model with {@code moe}'s experts (null: dense) in its sparse layers, validated as any config. */
    public ModelConfig withMoe(Moe moe) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                vocabSize, maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, attentionBias, qkNorm,
                bosTokenId, eosTokenIds, ropeScaling, slidingWindow, variant, moe);
    }

    /**
     * RoPE's base on the sliding layers where they rotate by an unscaled table of their own (docs/models.md): Gemma
     * 3's local base, Gemma 2's theta, OLMo 3's theta (transformers scales only its full layers' RoPE); 0 where every
     * rotating layer shares the model's table. OLMo 2 has no window, so OLMo 2 with one is OLMo 3.
     */
    public double slidingRopeTheta() {
        if (slidingWindow.size() == 0) return 0;
        if (variant instanceof Gemma g) return g.localRopeTheta();
        return architecture == Architecture.OLMO2 ? ropeTheta : 0;
    }

    /** The base every rotating layer's RoPE table uses: HunYuan's scaled by its NTK alpha, else rope_theta. */
    public double ropeBase() {
        return variant instanceof NtkAlpha a ? a.base(ropeTheta, headDim) : ropeTheta;
    }

    /** The MLP's activation: Gemma's, GPT-NeoX's and Phi's GELU, else SiLU. */
    public Activation activation() {
        return switch (variant) {
            case Gemma g -> g.activation();
            case GptBlock g -> g.activation();
            case null, default -> Activation.SILU;
        };
    }

    /**
     * GPT-NeoX's and Phi's layer (LayerNorm, biases, an ungated MLP, parallel attention and MLP); null for other
     * architectures.
     */
    public GptBlock gptBlock() {
        return variant instanceof GptBlock g ? g : null;
    }

    /** Gemma's values (Gemma 1, 2 and 3); null for other architectures. */
    public Gemma gemma() {
        return variant instanceof Gemma g ? g : null;
    }

    /** Granite's multipliers; null for other architectures. */
    public Granite granite() {
        return variant instanceof Granite g ? g : null;
    }

    /** The embeddings' factor: Gemma's sqrt(hidden_size), Granite's embedding_multiplier, else 1. */
    public float embeddingScale() {
        return switch (variant) {
            case Gemma g -> Gemma.embedScale(hiddenSize);
            case Granite g -> g.embeddingMultiplier();
            case null, default -> 1.0f;
        };
    }

    /** The attention scores' scale: Gemma's from query_pre_attn_scalar, Granite's attention_multiplier, else d^-0.5. */
    public float attentionScale() {
        return switch (variant) {
            case Gemma g -> g.attentionScale();
            case Granite g -> g.attentionMultiplier();
            case null, default -> (float) (1.0 / Math.sqrt((double) headDim));
        };
    }

    /** The factor on the attention's and the MLP's outputs before each residual add: Granite's, else 1. */
    public float residualMultiplier() {
        return variant instanceof Granite g ? g.residualMultiplier() : 1.0f;
    }

    /**
     * Whether layer {@code l} rotates queries and keys: every layer but SmolLM3's and EXAONE 4's NoPE layers and
     * GPT-2's (its positions are learned embeddings).
     */
    public boolean rotates(int l) {
        return switch (variant) {
            case NoPeLayers s -> s.rotates(l);
            case GptBlock g -> !g.learnedPositions();
            case null, default -> true;
        };
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }
}
