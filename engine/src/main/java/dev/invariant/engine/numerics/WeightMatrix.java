package dev.invariant.engine.numerics;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A row-major [rows, cols] weight matrix as the kernels read it: bf16 and f32 straight from the tensor's
 * memory (usually the read-only mmap), f16 converted once at load into an off-heap f32 copy, because
 * converting f16 in the inner loop costs more than the extra memory (docs/numerics.md, "Weights").
 */
public record WeightMatrix(String name, MemorySegment data, DType dtype, int rows, int cols) implements Matrix {
    public static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public WeightMatrix {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException(name + ": kernels read F32 or BF16, got " + dtype);
        }
        if (data.byteSize() != (long) rows * cols * dtype.bytes()) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for " + rows + "x" + cols);
        }
    }

    /** A matrix over a rank-2 tensor (or a rank-1 tensor as one row); f16 is widened into {@code arena}. */
    public static WeightMatrix of(Tensor t, Arena arena) {
        int rows = t.rank() == 1 ? 1 : Math.toIntExact(t.dim(0));
        int cols = Math.toIntExact(t.rank() == 1 ? t.dim(0) : t.dim(1));
        if (t.dtype() != DType.F16) return new WeightMatrix(t.name(), t.data(), t.dtype(), rows, cols);
        MemorySegment src = t.data();
        long n = t.elementCount();
        MemorySegment dst = arena.allocate(n * 4, 64);
        for (long i = 0; i < n; i++) {
            dst.setAtIndex(F32, i, Bf16.f16ToFloat(src.getAtIndex(BF16, i)));
        }
        return new WeightMatrix(t.name(), dst, DType.F32, rows, cols);
    }

    /** Element (row, col) as float32 (exact). */
    public float get(int row, int col) {
        long i = (long) row * cols + col;
        return dtype == DType.BF16 ? Bf16.bf16ToFloat(data.getAtIndex(BF16, i)) : data.getAtIndex(F32, i);
    }

    /** Row {@code row} converted into {@code out[off .. off + cols)}. */
    public void row(int row, float[] out, int off) {
        for (int c = 0; c < cols; c++) out[off + c] = get(row, c);
    }

    /** The whole matrix as a float array (norm weights, biases: small vectors used every step). */
    public float[] toFloats() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) row(r, out, r * cols);
        return out;
    }
}
