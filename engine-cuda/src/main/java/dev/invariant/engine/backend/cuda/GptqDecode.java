package dev.invariant.engine.backend.cuda;

/**
 * kernels/gptq_decode.cu, one token's GPTQ projections with group size 128 and the per-word bookkeeping out of the
 * inner loop (each unit's tables and rest staged into shared memory one unit ahead): which projections it takes, its
 * {@code GDECODE_R} and {@code GDECODE_WARPS} and its {@code smem_bytes} written again here for the launch.
 */
final class GptqDecode {
    /** GDECODE_R: rows per unit (the SILU kernels' (gate, up) pairs take at least 2). */
    static final int ROWS = 2;
    /** GDECODE_WARPS: warps per block (one block per multiprocessor). */
    static final int WARPS = 30;
    /** The shape before 2026-12-05 (the kernels named _w32), kept to compare: {@link #WARPS_PROPERTY}=32. */
    static final int PREVIOUS_WARPS = 32;
    /** 30 (the default, {@link #WARPS}) or 32 ({@link #PREVIOUS_WARPS}): warps per block; the same values either way. */
    static final String WARPS_PROPERTY = "invariant.cuda.gptq-decode-warps";

    private GptqDecode() {
    }

    /**
     * Whether {@code GptqKernels.GPTQ_VARIANT}'s setting loads the kernels of these bits: auto and decode both, stream
     * and direct neither.
     */
    static boolean loads(String variant, int bits) {
        return switch (variant) {
            case "auto", "decode" -> true;
            case "direct", "stream" -> false;
            default -> throw new IllegalArgumentException(
                    GptqKernels.GPTQ_VARIANT + " is auto, decode, direct or stream, not " + variant);
        };
    }

    /**
     * Whether the kernel takes these weights: group size 128 (its only grouping), k a multiple of 32 (no tail after
     * the chunks) with at least one whole 16-byte word per lane.
     */
    static boolean takes(int bits, int gsz, int k) {
        return gsz == 128 && k % 32 == 0 && k / 32 >= 128 / bits;
    }

    static String name(int bits, String fusedSuffix) {
        return name(bits, fusedSuffix, WARPS);
    }

    /** The kernel of these bits and fusions at {@code warps} per block (WARPS or PREVIOUS_WARPS). */
    static String name(int bits, String fusedSuffix, int warps) {
        return "gptq_decode_int" + bits + "_g128" + (warps == WARPS ? "" : "_w" + warps) + fusedSuffix;
    }

    /** {@link #WARPS_PROPERTY}'s setting, checked. */
    static int warps(String setting) {
        String s = setting.trim();
        if (s.equals(String.valueOf(WARPS))) return WARPS;
        if (s.equals(String.valueOf(PREVIOUS_WARPS))) return PREVIOUS_WARPS;
        throw new IllegalArgumentException(WARPS_PROPERTY + " is " + WARPS + " or " + PREVIOUS_WARPS + ", not " + setting);
    }

    /** The kernel's rows per unit for these fusions. */
    static int rows(boolean silu) {
        return silu && ROWS < 2 ? 2 : ROWS;
    }

    /**
     * The kernel's smem_bytes: the input row in lane-major order (twice with the norm's weights), then each warp's two
     * buffers of a unit's (s, nz) tables (groups padded to an even count) and of its rows' rests.
     */
    static int smem(int bits, int k, int groups, boolean normed, boolean silu) {
        return smem(bits, k, groups, normed, silu, WARPS);
    }

    /** {@link #smem(int, int, int, boolean, boolean)} at {@code warps} per block. */
    static int smem(int bits, int k, int groups, boolean normed, boolean silu, int warps) {
        int chunks = k / 32;
        int gs = 128 / bits;
        int rest = chunks - chunks / gs * gs;
        int xpn = ((chunks + 3) & ~3) * 32;
        int gpad = (groups + 1) & ~1;
        int r = rows(silu);
        return 4 * xpn * (normed ? 2 : 1) + warps * 2 * r * gpad * 8 + warps * 2 * r * 4 * rest * bits;
    }
}
