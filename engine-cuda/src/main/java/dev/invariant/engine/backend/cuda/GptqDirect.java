package dev.invariant.engine.backend.cuda;

/**
 * kernels/gptq_direct.cu, one token's GPTQ projections with group size 128, the packed rows read straight into
 * registers (no shared-memory ring): the kernel a projection takes and the shared memory it needs, the kernel's
 * {@code GDIRECT_WARPS} and {@code GDIRECT_BPS} and its {@code smem_bytes} written again here for the launch. Chosen
 * by {@code -Dinvariant.cuda.gptq-variant=direct}; the same values as gptq_stream.cu.
 */
final class GptqDirect {
    /** GDIRECT_WARPS: warps per block. */
    static final int WARPS = 16;
    /** GDIRECT_BPS: blocks per multiprocessor. */
    static final int BLOCKS_PER_SM = 1;

    private GptqDirect() {
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
