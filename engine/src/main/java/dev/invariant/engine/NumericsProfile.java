package dev.invariant.engine;

/** The numerics profile of a computation; it is part of every fingerprint (docs/numerics.md). */
public enum NumericsProfile {
    /** Canonical reduction order everywhere: CPU and CUDA produce identical bits. */
    PORTABLE(2),
    /**
     * GPU tensor cores: batch-invariant and run-to-run identical on one GPU model, not CPU-equal. 2: a mixture's
     * experts in portable's kernels (docs/identity.md, contract versions).
     */
    FAST(2),
    /** Reduction order follows the batch, as conventional engines do; exists to reproduce divergence. */
    NAIVE(3);

    private final int contractVersion;
    // Computed once: every request's fingerprint and completion names its profile.
    private final String wireName;
    private final String fingerprintName;

    NumericsProfile(int contractVersion) {
        this.contractVersion = contractVersion;
        this.wireName = name().toLowerCase(java.util.Locale.ROOT);
        this.fingerprintName = wireName + "/" + contractVersion;
    }

    /**
     * The version of this profile's arithmetic: bumped whenever a change to the engine changes the bits it computes
     * for the same inputs (a reduction order, a kernel, exp/silu/rsqrt, RoPE), so that completions of an older and a
     * newer build never share a fingerprint (docs/identity.md). {@code ContractVersionTest} holds golden logit bits
     * per version and fails when the bits change and this does not. History: portable 1 = W 256 partials,
     * portable 2 = W 32 (docs/numerics.md); naive 2 follows portable 2's work layout; naive 3 takes its split-K
     * count from the batch over the whole load range and rounds split partials and matmul outputs to bf16.
     */
    public int contractVersion() {
        return contractVersion;
    }

    /** The profile as the fingerprint names it: wire name and contract version, e.g. {@code portable/2}. */
    public String fingerprintName() {
        return fingerprintName;
    }

    /** The lower-case name used on the wire and in the CLI. */
    public String wireName() {
        return wireName;
    }

    public static NumericsProfile fromWire(String s) {
        for (NumericsProfile p : values()) {
            if (p.wireName().equals(s)) return p;
        }
        throw new EngineException(ErrorCode.INVALID_PARAM,
                "unknown numerics profile '" + s + "': use portable, fast or naive");
    }
}
