package dev.invariant.engine.model;

/**
 * Element types of stored tensors. The float types convert exactly to float32 (docs/numerics.md); I32 holds the
 * packed integers of GPTQ checkpoints ({@code qweight}, {@code qzeros}, {@code g_idx}).
 */
public enum DType {
    F32(4), BF16(2), F16(2), I32(4);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The safetensors dtype name ("F32", "BF16", "F16"), or null when unsupported. */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "BF16" -> BF16;
            case "F16" -> F16;
            case "I32" -> I32;
            default -> null;
        };
    }
}
