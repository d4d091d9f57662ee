package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * A partial rotary factor (Phi-4-mini: RoPE on the first r = 96 of each head's 128 dims, rotate-half within them, pairs
 * i and i + r/2) run by the engine's whole-head RoPE, which pairs i and i + d/2: q's and k's rows are reordered within
 * each head so that rotated pair i sits at i and i + d/2, and the passed-through dims at the pairs from r/2 on, which
 * the table makes the identity (RopeTable). A score q·k sums the same products whatever order the dims are in, so the
 * attention is the model's (its sum in the engine's own fixed order, as for every head); v and o_proj are untouched.
 * The reordered rows are a copy made when the tensor is first read.
 */
final class PartialRotary {
    private PartialRotary() {
    }

    /** {@code tensors} with q's and k's rows reordered when the model rotates part of each head, else as they are. */
    static Map<String, Tensor> arrange(ModelConfig c, Map<String, Tensor> tensors) {
        int d = c.headDim();
        int r = c.ropeScaling().rotaryDim(d);
        if (r == d) return tensors;
        if (c.qkNorm()) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "partial_rotary_factor with q/k norms is not supported");
        }
        Map<String, Tensor> out = new HashMap<>(tensors);
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (!name.contains(".self_attn.q_proj.") && !name.contains(".self_attn.k_proj.")) continue;
            if (!name.endsWith(".weight") && !name.endsWith(".bias")) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, "'" + name + "': partial_rotary_factor is supported"
                        + " for dense q and k projections only (not GPTQ checkpoints)");
            }
            out.put(name, reordered(e.getValue(), d, r));
        }
        return out;
    }

    /** Each head's rows (dims) of t in the order rot[0, r/2), pass[0, (d-r)/2), rot[r/2, r), pass[(d-r)/2, d-r). */
    private static Tensor reordered(Tensor t, int d, int r) {
        if (t.dim(0) % d != 0) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "tensor '" + t.name() + "' has " + t.dim(0)
                    + " rows, not whole heads of " + d);
        }
        long rowBytes = t.byteSize() / t.dim(0);
        int pass = (d - r) / 2;
        // runs of {source row, destination row, rows} within a head
        int[][] runs = {{0, 0, r / 2}, {r, r / 2, pass}, {r / 2, d / 2, r / 2}, {r + pass, d / 2 + r / 2, pass}};
        return new Tensor(t.name(), t.dtype(), t.shape(), () -> {
            MemorySegment from = t.data();
            MemorySegment to = Arena.ofAuto().allocate(t.byteSize(), 64);
            for (long head = 0; head < t.dim(0); head += d) {
                for (int[] run : runs) {
                    MemorySegment.copy(from, (head + run[0]) * rowBytes, to, (head + run[1]) * rowBytes,
                            run[2] * rowBytes);
                }
            }
            return to.asReadOnly();
        });
    }
}
