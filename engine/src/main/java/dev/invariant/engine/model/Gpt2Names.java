package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

/**
 * GPT-2's tensors under the names of the engine's layer, with or without the {@code transformer.} prefix (the hub's
 * gpt2 checkpoint stores {@code h.0.attn.c_attn.weight}, transformers 5 saves {@code transformer.h.0...}):
 * {@code wte} the embeddings, {@code wpe} the learned positions ({@code model.embed_positions.weight}), {@code ln_1} /
 * {@code ln_2} the layer's two LayerNorms, {@code ln_f} the final one. Its projections are Conv1D modules, stored
 * {@code [in, out]}: each becomes the engine's {@code [out, in]} by a transposed copy made when first read, and
 * {@code attn.c_attn} (q, k and v side by side in its columns) three of them. The causal-mask buffers some checkpoints
 * carry ({@code attn.bias}, {@code attn.masked_bias}) are left unread.
 */
final class Gpt2Names {
    private static final Map<String, String> LAYER_NAMES = Map.of("ln_1.", "input_layernorm.",
            "ln_2.", "post_attention_layernorm.", "attn.c_proj.", "self_attn.o_proj.", "mlp.c_fc.", "mlp.up_proj.",
            "mlp.c_proj.", "mlp.down_proj.");

    private Gpt2Names() {
    }

    /** {@code stored} under the engine's names when the model is GPT-2's, else as it is. */
    static Map<String, Tensor> rename(ModelConfig c, Map<String, Tensor> stored) {
        if (c.architecture() != Architecture.GPT2) return stored;
        Map<String, Tensor> out = new HashMap<>();
        long h = c.hiddenSize();
        stored.forEach((stored1, t) -> {
            String name = stored1.startsWith("transformer.") ? stored1.substring("transformer.".length()) : stored1;
            if (name.startsWith("wte.")) out.put("model.embed_tokens." + name.substring(4), t);
            if (name.startsWith("wpe.")) out.put("model.embed_positions." + name.substring(4), t);
            if (name.startsWith("ln_f.")) out.put("model.norm." + name.substring(5), t);
            if (name.startsWith("lm_head.")) out.put(name, t);
            if (!name.startsWith("h.")) return;
            int dot = name.indexOf('.', 2);
            String layer = "model.layers." + name.substring(2, dot) + ".";
            String tail = name.substring(dot + 1);
            if (tail.startsWith("attn.c_attn.")) {
                for (int part = 0; part < 3; part++) {
                    String to = layer + "self_attn." + "qkv".charAt(part) + "_proj." + tail.substring(12);
                    out.put(to, conv1d(t, to, part * h, h));
                }
                return;
            }
            LAYER_NAMES.forEach((from, to) -> {
                if (!tail.startsWith(from)) return;
                boolean projection = !from.startsWith("ln_") && tail.endsWith(".weight");
                String engine = layer + to + tail.substring(from.length());
                out.put(engine, projection ? conv1d(t, engine, 0, t.dim(t.rank() - 1)) : t);
            });
        });
        return out;
    }

    /**
     * Columns {@code first .. first + count - 1} of a Conv1D weight {@code [in, out]} as an engine matrix
     * {@code [count, in]} (a transposed copy), or elements {@code first ..} of its bias {@code [out]} (a view).
     */
    private static Tensor conv1d(Tensor t, String name, long first, long count) {
        long cols = t.dim(t.rank() - 1);
        if (first + count > cols) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "tensor '" + t.name() + "' has shape "
                    + java.util.Arrays.toString(t.shape()) + " but config.json implies " + (first + count)
                    + " columns; the files do not match config.json");
        }
        long size = t.dtype().bytes();
        if (t.rank() == 1) {
            return new Tensor(name, t.dtype(), new long[] {count},
                    () -> t.data().asSlice(first * size, count * size));
        }
        int in = Math.toIntExact(t.dim(0));
        int n = Math.toIntExact(count);
        int c = Math.toIntExact(cols);
        int f = Math.toIntExact(first);
        return new Tensor(name, t.dtype(), new long[] {count, in}, () -> {
            // through a heap array of the element's width: one bulk read and one bulk write, not a copy per value
            MemorySegment from = t.data();
            MemorySegment to = Arena.ofAuto().allocate((long) n * in * size, 64);
            if (size == 2) {
                short[] src = from.toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
                short[] dst = new short[n * in];
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < n; o++) dst[o * in + i] = src[i * c + f + o];
                }
                MemorySegment.copy(dst, 0, to, ValueLayout.JAVA_SHORT_UNALIGNED, 0, dst.length);
            } else {
                int[] src = from.toArray(ValueLayout.JAVA_INT_UNALIGNED);
                int[] dst = new int[n * in];
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < n; o++) dst[o * in + i] = src[i * c + f + o];
                }
                MemorySegment.copy(dst, 0, to, ValueLayout.JAVA_INT_UNALIGNED, 0, dst.length);
            }
            return to.asReadOnly();
        });
    }
}
