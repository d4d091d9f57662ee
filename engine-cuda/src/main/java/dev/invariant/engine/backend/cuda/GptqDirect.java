package dev.invariant.engine.backend.cuda;

/**
 * kernels/gptq_direct.cu, one token's GPTQ projections with group size 128, the packed rows read straight into
 * registers (no shared-memory ring): the kernel a projection takes and the shared memory it needs, the kernel's
 * {@code GDIRECT_WARPS} and {@code GDIRECT_BPS} and its {@code smem_bytes} written again here for the launch. Int8's
 * where {@link GptqDecode} does not take the rows (faster than gptq_stream.cu on the H200: 147.20 against 160.56 µs
 * per Qwen1.5-14B layer); int8 only (its int4 was slower than gptq_stream.cu and gptq_decode.cu in every measured
 * shape: 142.70 µs per layer at best against 135.93 and 108.48, docs/benchmarks.md); the same values either way.
 */
final class GptqDirect {
    /** GDIRECT_WARPS: warps per block. */
    static final int WARPS = 20;
    /** GDIRECT_BPS: blocks per multiprocessor. */
    static final int BLOCKS_PER_SM = 1;
    /** {@code GptqKernels.GPTQ_VARIANT}'s default: int8 group 128 here, the rest streamed. */
    static final String DEFAULT_VARIANT = "auto";

    private GptqDirect() {
    }

    /**
     * Whether {@code GptqKernels.GPTQ_VARIANT}'s setting loads the kernels of these bits: auto int8 only (for the rows
     * gptq_decode.cu does not take or fit), direct int8 for every group-128 row, decode and stream neither.
     */
    static boolean loads(String variant, int bits) {
        return switch (variant) {
            case "auto", "direct" -> bits == 8;
            case "decode", "stream" -> false;
            default -> throw new IllegalArgumentException(
                    GptqKernels.GPTQ_VARIANT + " is auto, decode, direct or stream, not " + variant);
        };
    }

    /** Whether the kernel takes these weights: group size 128 (its only grouping). */
    static boolean takes(int gsz) {
        return gsz == 128;
    }

    static String name(int bits, String fusedSuffix) {
        return "gptq_direct_int" + bits + "_g128" + fusedSuffix;
    }

    /** The kernel's smem_bytes: the input row (and the norm's weights), then the whole words' x in lane-major order. */
    static int smem(int bits, int k, boolean normed) {
        int w = 1;
        while (w < k && w < 32) w <<= 1;
        int gs = 128 / bits;
        int words = k / w / gs;
        return 4 * (((k + 3) & ~3) * (normed ? 2 : 1) + (w == 32 ? 32 * gs * words : 0));
    }
}
