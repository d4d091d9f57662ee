package dev.invariant.engine.model.gptq;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Tensor;
import java.util.Arrays;

/**
 * One GPTQ-quantised linear layer of {@code in} inputs and {@code out} outputs, in the AutoGPTQ layout (checked when
 * built): {@code qweight} I32 [in / pack, out] packed along the input, {@code qzeros} I32 [groups, out / pack] packed
 * along the output, {@code scales} F16 (or BF16) [groups, out], {@code g_idx} I32 [in] (null when the checkpoint
 * has none: then {@code g_idx[k] = k / group_size}). The values are defined in {@link GptqLayout}.
 */
public record GptqLinear(String name, GptqConfig config, int in, int out,
                         Tensor qweight, Tensor qzeros, Tensor scales, Tensor gIdx) {
    public GptqLinear {
        int pack = config.pack();
        if (in % pack != 0 || out % pack != 0) {
            throw bad(name, "in (" + in + ") and out (" + out + ") must be multiples of " + pack + " for " + config.bits()
                    + "-bit packing");
        }
        int groups = config.groups(in);
        check(name + ".qweight", qweight, DType.I32, in / pack, out);
        check(name + ".qzeros", qzeros, DType.I32, groups, out / pack);
        if (scales == null) throw bad(name + ".scales", "is missing from the weights");
        if (scales.dtype() != DType.F16 && scales.dtype() != DType.BF16) {
            // an f32 scale has 24 significant bits: (q - z) * s would round, and the contract keeps it exact
            throw bad(name + ".scales", "has dtype " + scales.dtype() + ": GPTQ scales must be F16 (AutoGPTQ) or BF16");
        }
        check(name + ".scales", scales, scales.dtype(), groups, out);
        if (gIdx != null) check(name + ".g_idx", gIdx, DType.I32, in);
    }

    private static void check(String what, Tensor t, DType dtype, long... shape) {
        if (t == null) throw bad(what, "is missing from the weights");
        if (t.dtype() != dtype) throw bad(what, "has dtype " + t.dtype() + ", expected " + dtype);
        if (!Arrays.equals(t.shape(), shape)) {
            throw bad(what, "has shape " + Arrays.toString(t.shape()) + " but the GPTQ layout implies "
                    + Arrays.toString(shape));
        }
    }

    private static EngineException bad(String what, String message) {
        return new EngineException(ErrorCode.MODEL_FORMAT, "GPTQ tensor " + what + " " + message);
    }

    /** Bytes of the checkpoint's tensors for this layer (what stays in memory: packed, never dequantised). */
    public long byteSize() {
        return qweight.byteSize() + qzeros.byteSize() + scales.byteSize() + (gIdx == null ? 0 : gIdx.byteSize());
    }
}
