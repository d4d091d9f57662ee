package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.HashMap;
import java.util.Map;

/**
 * Phi-3's fused projections as the separate matrices of Llama's layer, each a view of the stored rows (no copy):
 * {@code self_attn.qkv_proj.weight} holds q's rows, then k's, then v's; {@code mlp.gate_up_proj.weight} gate's, then
 * up's (transformers' Phi3MLP: {@code gate, up = gate_up_proj(x).chunk(2)}). Granite 4.0's dense MLP likewise:
 * {@code shared_mlp.input_linear.weight} gate's rows, then up's, and {@code shared_mlp.output_linear.weight} the down
 * projection (GraniteMoeSharedMLP).
 */
final class FusedProjections {
    private static final String QKV = "self_attn.qkv_proj.";
    private static final String GATE_UP = "mlp.gate_up_proj.";
    private static final String SHARED_GATE_UP = "shared_mlp.input_linear.";
    private static final String SHARED_DOWN = "shared_mlp.output_linear.weight";

    private FusedProjections() {
    }

    /** {@code tensors} with every fused projection split into its parts, or as it is when none is fused. */
    static Map<String, Tensor> split(ModelConfig c, Map<String, Tensor> tensors) {
        Map<String, Tensor> out = null;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.endsWith("." + SHARED_DOWN)) {
                if (out == null) out = new HashMap<>(tensors);
                String down = name.substring(0, name.length() - SHARED_DOWN.length()) + "mlp.down_proj.weight";
                Tensor t = e.getValue();
                part(out, t, down, 0, t.dim(0), t.dim(0)); // all its rows, under Llama's name
                continue;
            }
            boolean qkv = name.contains("." + QKV);
            boolean shared = name.contains("." + SHARED_GATE_UP);
            if (!qkv && !shared && !name.contains("." + GATE_UP)) continue;
            String prefix = name.substring(0, name.indexOf(qkv ? QKV : shared ? SHARED_GATE_UP : GATE_UP));
            if (!name.endsWith(".weight")) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, "'" + name + "': a fused projection is read only"
                        + " as a dense .weight (quantised checkpoints with qkv_proj / gate_up_proj are not supported)");
            }
            if (out == null) out = new HashMap<>(tensors);
            Tensor t = e.getValue();
            if (qkv) {
                part(out, t, prefix + "self_attn.q_proj.weight", 0, c.qDim(), c.qDim() + 2L * c.kvDim());
                part(out, t, prefix + "self_attn.k_proj.weight", c.qDim(), c.kvDim(), c.qDim() + 2L * c.kvDim());
                part(out, t, prefix + "self_attn.v_proj.weight", c.qDim() + c.kvDim(), c.kvDim(),
                        c.qDim() + 2L * c.kvDim());
            } else {
                long f = c.intermediateSize();
                part(out, t, prefix + "mlp.gate_proj.weight", 0, f, 2 * f);
                part(out, t, prefix + "mlp.up_proj.weight", f, f, 2 * f);
            }
        }
        return out == null ? tensors : out;
    }

    /** Rows first .. first + count - 1 of t, which must have {@code total} rows, as the tensor {@code name}. */
    private static void part(Map<String, Tensor> out, Tensor t, String name, long first, long count, long total) {
        if (t.rank() != 2 || t.dim(0) != total) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "tensor '" + t.name() + "' has shape "
                    + java.util.Arrays.toString(t.shape()) + " but config.json implies " + total + " rows; the files"
                    + " do not match config.json");
        }
        long rowBytes = t.dim(1) * t.dtype().bytes();
        out.put(name, new Tensor(name, t.dtype(), new long[] {count, t.dim(1)},
                () -> t.data().asSlice(first * rowBytes, count * rowBytes)));
    }
}
