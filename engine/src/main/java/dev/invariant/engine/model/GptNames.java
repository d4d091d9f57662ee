package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The GPT layer's tensors ({@link GptBlock}) under the names of the engine's layer. Phi-1 and -2's: {@code
 * self_attn.dense} as o_proj, {@code mlp.fc1} / {@code fc2} as up_proj / down_proj, {@code model.final_layernorm}
 * as the final norm; the rest as stored. StarCoder2's: {@code mlp.c_fc} / {@code c_proj} as up_proj / down_proj.
 * GPT-NeoX's: {@code gpt_neox.embed_in} as the embeddings,
 * {@code attention.dense} as o_proj, {@code mlp.dense_h_to_4h} / {@code dense_4h_to_h} as up_proj / down_proj,
 * {@code gpt_neox.final_layer_norm} as the final norm, {@code embed_out} as lm_head; the norms keep their names. Its
 * {@code attention.query_key_value} holds each head's q, k and v rows together ({@code [heads, 3, head_dim]}, as
 * transformers' GPTNeoXAttention views it before its chunk), so q's, k's and v's rows are gathered per head into three
 * copies (weights and biases) made when first read. Buffers some checkpoints carry ({@code attention.bias},
 * {@code masked_bias}, {@code rotary_emb.inv_freq}) are left unread.
 */
final class GptNames {
    private static final String LAYERS = "gpt_neox.layers.";
    private static final Map<String, String> LAYER_NAMES = Map.of(
            "attention.dense.", "self_attn.o_proj.", "mlp.dense_h_to_4h.", "mlp.up_proj.",
            "mlp.dense_4h_to_h.", "mlp.down_proj.", "input_layernorm.", "input_layernorm.",
            "post_attention_layernorm.", "post_attention_layernorm.");
    private static final String QKV = "attention.query_key_value.";
    private static final Map<String, String> PHI_NAMES = Map.of("self_attn.dense.", "self_attn.o_proj.",
            "mlp.fc1.", "mlp.up_proj.", "mlp.fc2.", "mlp.down_proj.");
    private static final Map<String, String> STARCODER2_NAMES = Map.of("mlp.c_fc.", "mlp.up_proj.",
            "mlp.c_proj.", "mlp.down_proj.");

    private GptNames() {
    }

    /** {@code stored} under the engine's names when the model is GPT-NeoX's or Phi's, else as it is. */
    static Map<String, Tensor> rename(ModelConfig c, Map<String, Tensor> stored) {
        if (c.architecture() == Architecture.PHI) return renamed(stored, PHI_NAMES);
        if (c.architecture() == Architecture.STARCODER2) return renamed(stored, STARCODER2_NAMES);
        if (c.architecture() != Architecture.GPT_NEOX) return stored;
        Map<String, Tensor> out = new HashMap<>();
        for (Map.Entry<String, Tensor> e : stored.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.startsWith("gpt_neox.embed_in.")) {
                out.put("model.embed_tokens." + name.substring("gpt_neox.embed_in.".length()), t);
            } else if (name.startsWith("gpt_neox.final_layer_norm.")) {
                out.put("model.norm." + name.substring("gpt_neox.final_layer_norm.".length()), t);
            } else if (name.startsWith("embed_out.")) {
                out.put("lm_head." + name.substring("embed_out.".length()), t);
            } else if (name.startsWith(LAYERS)) {
                int dot = name.indexOf('.', LAYERS.length());
                String layer = "model.layers." + name.substring(LAYERS.length(), dot) + ".";
                String tail = name.substring(dot + 1);
                if (tail.startsWith(QKV)) {
                    String suffix = tail.substring(QKV.length());
                    for (int part = 0; part < 3; part++) {
                        String to = layer + "self_attn." + "qkv".charAt(part) + "_proj." + suffix;
                        out.put(to, gathered(t, to, c, part));
                    }
                    continue;
                }
                LAYER_NAMES.forEach((from, to) -> {
                    if (tail.startsWith(from)) out.put(layer + to + tail.substring(from.length()), t);
                });
            }
        }
        return out;
    }

    /** {@code stored} with the layers' modules renamed by {@code names} and the final norm as model.norm. */
    private static Map<String, Tensor> renamed(Map<String, Tensor> stored, Map<String, String> names) {
        Map<String, Tensor> out = new HashMap<>();
        stored.forEach((name, t) -> {
            String to = name.startsWith("model.final_layernorm.")
                    ? "model.norm." + name.substring("model.final_layernorm.".length()) : name;
            int at = name.startsWith("model.layers.") ? name.indexOf('.', "model.layers.".length()) + 1 : -1;
            if (at > 0) {
                for (Map.Entry<String, String> e : names.entrySet()) {
                    if (name.startsWith(e.getKey(), at)) {
                        to = name.substring(0, at) + e.getValue() + name.substring(at + e.getKey().length());
                    }
                }
            }
            out.put(to, t);
        });
        return out;
    }

    /** Part {@code part} (0 q, 1 k, 2 v) of every head's rows of the fused tensor, as the tensor {@code name}. */
    private static Tensor gathered(Tensor t, String name, ModelConfig c, int part) {
        int d = c.headDim();
        int heads = c.numHeads();
        if (t.dim(0) != 3L * heads * d) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "tensor '" + t.name() + "' has shape "
                    + java.util.Arrays.toString(t.shape()) + " but config.json implies " + 3L * heads * d
                    + " rows (q, k and v of " + heads + " heads); the files do not match config.json");
        }
        long[] shape = t.shape();
        shape[0] = (long) heads * d;
        long rowBytes = t.byteSize() / t.dim(0);
        long block = d * rowBytes;
        return new Tensor(name, t.dtype(), shape, () -> {
            MemorySegment from = t.data();
            MemorySegment to = Arena.ofAuto().allocate(heads * block, 64);
            for (int h = 0; h < heads; h++) {
                MemorySegment.copy(from, (3L * h + part) * block, to, h * block, block);
            }
            return to.asReadOnly();
        });
    }
}
