package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/**
 * The GPT-style layer of GPT-NeoX (EleutherAI's Pythia, GPT-NeoX-20B) and Phi (microsoft/phi-1, -1_5, -2; always
 * parallel, its attention and MLP reading one norm) and GPT-2 (in sequence, learned positions, no RoPE): LayerNorm (mean and variance, a weight and a
 * bias) in place of RMSNorm, a bias on every projection and norm, an ungated MLP {@code down(act(up·x + b)) + b}, and
 * (with {@code parallel}) the attention and the MLP both reading the layer's input, their outputs added to it together.
 *
 * @param parallel         {@code use_parallel_residual}: x + (mlp(ln2(x)) + attn(ln1(x))); false: Llama's order of the
 *                         two
 * @param activation       the MLP's activation (GPT-NeoX's {@code hidden_act} gelu: the exact GELU; StableLM's SiLU, its
 *                         MLP gated as Llama's)
 * @param learnedPositions GPT-2: a learned position embedding added to each token's embedding, and no RoPE
 */
public record GptBlock(boolean parallel, Activation activation, boolean learnedPositions) implements ModelVariant {

    /** RoPE's layer (GPT-NeoX, Phi). */
    public GptBlock(boolean parallel, Activation activation) {
        this(parallel, activation, false);
    }

    public GptBlock {
        if (activation == null) throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: no MLP activation");
    }
}
