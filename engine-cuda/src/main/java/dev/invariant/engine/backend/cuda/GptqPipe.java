package dev.invariant.engine.backend.cuda;

/**
 * kernels/gptq_pipe.cu, one token's GPTQ projections with group size 128: gptq_decode.cu's mapping with each word and
 * its (s, nz) entries piped through a per-warp shared-memory ring by cp.async, int8 dequantised in three instructions
 * per weight from the (S, N) table ({@link GptqRows#tabz}, scales in binary16's range only): which projections it
 * takes, its {@code GPIPE_*} shape and its {@code smem_bytes} written again here for the launch.
 */
final class GptqPipe {
    /** GPIPE_R: rows per unit (the SILU kernels' (gate, up) pairs take at least 2). */
    static final int ROWS = 2;
    /** GPIPE_WARPS: warps per block (one block per multiprocessor). */
    static final int WARPS = 32;
    /** GPIPE8_D, GPIPE4_D: items (a word of each of the unit's rows and its groups' entries) in flight per warp. */
    static final int D8 = 4;
    static final int D4 = 4;

    private GptqPipe() {
    }

    /**
     * Whether {@code Kernels.GPTQ_VARIANT}'s setting loads the kernels of these bits: pipe only (not measured in the
     * engine yet, so auto keeps gptq_decode.cu).
     */
    static boolean loads(String variant, int bits) {
        return switch (variant) {
            case "pipe" -> true;
            case "auto", "decode", "direct", "stream" -> false;
            default -> throw new IllegalArgumentException(
                    Kernels.GPTQ_VARIANT + " is auto, pipe, decode, direct or stream, not " + variant);
        };
    }

    /**
     * Whether the kernel takes these weights: gptq_decode.cu's rows (group size 128, k a multiple of 32 with a whole
     * 16-byte word per lane), int8 only with its (S, N) table.
     */
    static boolean takes(int bits, int gsz, int k, boolean tabz) {
        return GptqDecode.takes(bits, gsz, k) && (bits == 4 || tabz);
    }

    static String name(int bits, String fusedSuffix) {
        return "gptq_pipe_int" + bits + "_g128" + fusedSuffix;
    }

    /** The kernel's rows per unit for these fusions. */
    static int rows(boolean silu) {
        return silu && ROWS < 2 ? 2 : ROWS;
    }

    /**
     * The kernel's smem_bytes: the input row in lane-major order (twice with the norm's weights), then each warp's
     * ring of D slots, a slot holding for each row of a unit a 16-byte word per lane and its groups' 8-byte entries.
     */
    static int smem(int bits, int k, boolean normed, boolean silu) {
        int xp = 4 * (((k / 32 + 3) & ~3) * 32) * (normed ? 2 : 1);
        return xp + WARPS * (bits == 8 ? D8 : D4) * rows(silu) * (512 + 8 * (32 / bits));
    }
}
