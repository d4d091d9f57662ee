package dev.invariant.engine.backend.cuda;

/**
 * kernels/gptq_ring.cu, one token's GPTQ projections with group size 128, the packed rows streamed through a bulk-copy
 * ring in shared memory and dequantised in three instructions per weight (the subnormal form, exact for scales in
 * binary16's range): which projections it takes, its {@code GRING_*} shape and its {@code smem_bytes} written again
 * here for the launch.
 */
final class GptqRing {
    /** GRING_R: rows per unit (the SILU kernels' (gate, up) pairs take at least 2). */
    static final int ROWS = 1;
    /** GRING_WARPS: warps per block (one block per multiprocessor). */
    static final int WARPS = 8;
    /** GRING_SLOTS: ring slots per warp. */
    static final int SLOTS = 3;
    /** GRING8_SEGG, GRING4_SEGG: words per row per segment (a slot holds a segment of each of the unit's rows). */
    static final int SEGG8 = 12;
    static final int SEGG4 = 8;

    private GptqRing() {
    }

    /** Whether {@code Kernels.GPTQ_VARIANT}'s setting loads the kernels of these bits: auto and ring. */
    static boolean loads(String variant, int bits) {
        return switch (variant) {
            case "auto", "ring" -> true;
            case "decode", "direct", "stream" -> false;
            default -> throw new IllegalArgumentException(
                    Kernels.GPTQ_VARIANT + " is auto, ring, decode, direct or stream, not " + variant);
        };
    }

    /**
     * Whether the kernel takes these weights: group size 128, k a multiple of 32 with at least one whole 16-byte word
     * per lane, and every scale in binary16's range (the subnormal dequantisation's exactness: f16 scales always are,
     * bf16 ones are checked at upload).
     */
    static boolean takes(int bits, int gsz, int k, boolean halfRangeScales) {
        return halfRangeScales && GptqDecode.takes(bits, gsz, k);
    }

    static String name(int bits, String fusedSuffix) {
        return "gptq_ring_int" + bits + "_g128" + fusedSuffix;
    }

    /** The kernel's rows per unit for these fusions. */
    static int rows(boolean silu) {
        return silu && ROWS < 2 ? 2 : ROWS;
    }

    /** The kernel's words per row per segment for these bits and fusions (SILU's wider units keep the slot's bytes). */
    static int segg(int bits, boolean silu) {
        int s = (bits == 8 ? SEGG8 : SEGG4) * ROWS / rows(silu);
        return Math.max(s, 1);
    }

    /**
     * The kernel's smem_bytes: the input row in lane-major order (twice with the norm's weights), then each warp's
     * ring of slots, a slot holding for each row of a unit its segment (the last with the row's rest), its table slice
     * as copied (entries widened to even bounds) and the slice in the subnormal form (int8 8, int4 20 bytes per entry).
     */
    static int smem(int bits, int k, int stride, int groups, boolean normed, boolean silu) {
        int gs = 128 / bits;
        int ne = gs / 4;
        int words = k / 32 / gs;
        int segg = segg(bits, silu);
        int nseg = (words + segg - 1) / segg;
        int last = stride - (nseg - 1) * segg * 512;
        int seg = Math.max(last, segg * 512);
        int lastEntries = groups - (nseg - 1) * segg * ne;
        int tabn = (Math.max(lastEntries, segg * ne) + 3) & ~1;
        int rowb = (seg + 8 * tabn + (bits == 8 ? 8 : 20) * tabn + 15) & ~15;
        int xp = 4 * (((k / 32 + 3) & ~3) * 32) * (normed ? 2 : 1);
        return xp + WARPS * SLOTS * rows(silu) * rowb;
    }
}
