package dev.invariant.engine.model;

/** Element types of stored tensors; every one converts exactly to float32 (docs/numerics.md). */
public enum DType {
    F32(4), BF16(2), F16(2);

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
            default -> null;
        };
    }
}
