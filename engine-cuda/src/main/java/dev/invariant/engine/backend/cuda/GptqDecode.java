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
    static final int WARPS = 32;
    /** GDECODE_DEEP_WARPS: the deep shape's warps per block (more words in flight per row). */
    static final int DEEP_WARPS = 20;

    /** A build of the kernel: its name's suffix and warps per block. */
    record Shape(String suffix, int warps) {}

    /** The GDECODE_* shape, and the deep one ({@link #shape}). */
    static final Shape WIDE = new Shape("", WARPS);
    static final Shape DEEP = new Shape("_deep", DEEP_WARPS);
    static final java.util.List<Shape> SHAPES = java.util.List.of(WIDE, DEEP);

    private GptqDecode() {
    }

    /**
     * Whether {@code Kernels.GPTQ_VARIANT}'s setting loads the kernels of these bits: auto and decode both, stream and
     * direct neither.
     */
    static boolean loads(String variant, int bits) {
        return switch (variant) {
            case "auto", "decode" -> true;
            case "direct", "stream" -> false;
            default -> throw new IllegalArgumentException(
                    Kernels.GPTQ_VARIANT + " is auto, decode, direct or stream, not " + variant);
        };
    }

    /**
     * Whether the kernel takes these weights: group size 128 (its only grouping), k a multiple of 32 (no tail after
     * the chunks) with at least one whole 16-byte word per lane.
     */
    static boolean takes(int bits, int gsz, int k) {
        return gsz == 128 && k % 32 == 0 && k / 32 >= 128 / bits;
    }

    static String name(int bits, Shape shape, String fusedSuffix) {
        return "gptq_decode_int" + bits + "_g128" + shape.suffix() + fusedSuffix;
    }

    /**
     * The shape for a projection of {@code rows} rows, from the checkpoint's shape and the GPU alone: the deep one
     * where its units of {@link #ROWS} rows take each of its warps at most once (Qwen1.5-14B's o and down: 2,560 units
     * for 2,640 warps on 132 multiprocessors), so that every word of a unit can be in flight at once; else the wide one.
     */
    static Shape shape(int rows, int multiprocessors) {
        long units = (rows + ROWS - 1) / ROWS;
        return units <= (long) multiprocessors * DEEP_WARPS ? DEEP : WIDE;
    }

    /** The kernel's rows per unit for these fusions. */
    static int rows(boolean silu) {
        return silu && ROWS < 2 ? 2 : ROWS;
    }

    /**
     * The kernel's smem_bytes: the input row in lane-major order (twice with the norm's weights), then each warp's two
     * buffers of a unit's (s, nz) tables (groups padded to an even count) and of its rows' rests.
     */
    static int smem(int bits, int k, int groups, boolean normed, boolean silu, Shape shape) {
        int chunks = k / 32;
        int gs = 128 / bits;
        int rest = chunks - chunks / gs * gs;
        int xpn = ((chunks + 3) & ~3) * 32;
        int gpad = (groups + 1) & ~1;
        int r = rows(silu);
        int w = shape.warps();
        return 4 * xpn * (normed ? 2 : 1) + w * 2 * r * gpad * 8 + w * 2 * r * 4 * rest * bits;
    }
}
