package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * RoPE on part of each head (Phi-4-mini: the first r = 96 of 128 dims, rotate-half within them, pairs i and i + r/2)
 * or on interleaved pairs (GLM-4: pairs 2i and 2i + 1 of its first r = 64 of 128 dims), run by the engine's whole-head
 * rotate-half RoPE, which pairs i and i + d/2: q's and k's rows are reordered within each head so that rotated pair i
 * sits at i and i + d/2, and the passed-through dims at the pairs from r/2 on, which the table makes the identity
 * (RopeTable). A score q·k sums the same products whatever order the dims are in, so the attention is the model's
 * (its sum in the engine's own fixed order, as for every head); v and o_proj are untouched. The reordered rows (and
 * q's and k's biases) are a copy made when the tensor is first read.
 */
final class PartialRotary {
    private PartialRotary() {
    }

    /** {@code tensors} with q's and k's rows reordered when the model's RoPE is not whole-head rotate-half. */
    static Map<String, Tensor> arrange(ModelConfig c, Map<String, Tensor> tensors) {
        int d = c.headDim();
        int r = c.ropeScaling().rotaryDim(d);
        if (r == d && !c.ropeScaling().interleaved()) return tensors;
        if (c.qkNorm()) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "partial_rotary_factor with q/k norms is not supported");
        }
        int[] source = sources(d, r, c.ropeScaling().interleaved());
        Map<String, Tensor> out = new HashMap<>(tensors);
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (!name.contains(".self_attn.q_proj.") && !name.contains(".self_attn.k_proj.")) continue;
            if (!name.endsWith(".weight") && !name.endsWith(".bias")) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, "'" + name + "': a partial or interleaved RoPE is"
                        + " supported for dense q and k projections only (not GPTQ checkpoints)");
            }
            out.put(name, reordered(e.getValue(), source));
        }
        return out;
    }

    /**
     * For each row (dim) of a head in the engine's order, the model's dim it holds: rotated pair i (the model's i and
     * i + r/2, or 2i and 2i + 1 when interleaved) at i and i + d/2, the passed-through dims r .. d - 1 in order at
     * r/2 .. d/2 - 1 and then d/2 + r/2 .. d - 1.
     */
    static int[] sources(int d, int r, boolean interleaved) {
        int[] source = new int[d];
        int pass = (d - r) / 2;
        for (int i = 0; i < r / 2; i++) {
            source[i] = interleaved ? 2 * i : i;
            source[d / 2 + i] = interleaved ? 2 * i + 1 : r / 2 + i;
        }
        for (int j = 0; j < pass; j++) {
            source[r / 2 + j] = r + j;
            source[d / 2 + r / 2 + j] = r + pass + j;
        }
        return source;
    }

    private static Tensor reordered(Tensor t, int[] source) {
        int d = source.length;
        if (t.dim(0) % d != 0) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "tensor '" + t.name() + "' has " + t.dim(0)
                    + " rows, not whole heads of " + d);
        }
        long rowBytes = t.byteSize() / t.dim(0);
        return new Tensor(t.name(), t.dtype(), t.shape(), () -> {
            MemorySegment from = t.data();
            MemorySegment to = Arena.ofAuto().allocate(t.byteSize(), 64);
            for (long head = 0; head < t.dim(0); head += d) {
                for (int row = 0; row < d; row++) {
                    MemorySegment.copy(from, (head + source[row]) * rowBytes, to, (head + row) * rowBytes, rowBytes);
                }
            }
            return to.asReadOnly();
        });
    }
}
