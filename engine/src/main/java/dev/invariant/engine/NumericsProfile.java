package dev.invariant.engine;

/** The numerics profile of a computation; it is part of every fingerprint (docs/numerics.md). */
public enum NumericsProfile {
    /** Canonical reduction order everywhere: CPU and CUDA produce identical bits. */
    PORTABLE,
    /** GPU tensor cores: batch-invariant and run-to-run identical on one GPU model, not CPU-equal. */
    FAST,
    /** Reduction order follows the batch, as conventional engines do; exists to reproduce divergence. */
    NAIVE;

    /** The lower-case name used on the wire and in the CLI. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static NumericsProfile fromWire(String s) {
        for (NumericsProfile p : values()) {
            if (p.wireName().equals(s)) return p;
        }
        throw new EngineException(ErrorCode.INVALID_PARAM,
                "unknown numerics profile '" + s + "': use portable, fast or naive");
    }
}
