package dev.invariant.engine.backend.cuda;

/**
 * kernels/gptq_stream.cu, one token's GPTQ projections with the packed rows streamed through shared memory: the
 * kernel a projection takes and the shared memory it needs, the kernel's {@code gstream_slot_row} and ring shapes
 * ({@code GSTREAM<bits>_WARPS}, {@code _SLOTS}, {@code _SEGG}, {@code _R}) written again here for the launch.
 */
final class GptqStream {
    /** [int8, int4]: warps per block, slots per warp, layout groups (512 bytes) per segment, rows per unit. */
    private static final int[] WARPS = {8, 16};
    private static final int[] SLOTS = {2, 2};
    private static final int[] SEGMENT_GROUPS = {4, 2};
    private static final int[] ROWS = {4, 4};
    private static final int ONE_LOAD = 512;  // a layout group: 32 lanes x 16 bytes

    private GptqStream() {
    }

    /** Whether the kernel exists: int8 act-order stays on gptq_matvec.cu, measured faster there. */
    static boolean streams(int bits, int gsz) {
        return bits == 4 || gsz != 0;
    }

    static int warps(int bits) {
        return WARPS[bits == 8 ? 0 : 1];
    }

    /** Index of a kernel among [bits 8/4][groups: any, 128, act-order]. */
    static int groupKind(int gsz) {
        return gsz == 0 ? 2 : gsz == 128 ? 1 : 0;
    }

    static String name(int bits, int groupKind, String fusedSuffix) {
        return "gptq_stream_int" + bits + new String[] {"", "_g128", "_act"}[groupKind] + fusedSuffix;
    }

    /** One row's room in a slot: its longest segment's bytes and the (s, nz) entries a segment's slice can take. */
    record SlotRow(int seg, int tabn) {
    }

    /** The kernel's gstream_slot_row. */
    static SlotRow slotRow(int bits, int k, int stride, int groups, int gsz) {
        int segg = segmentGroups(bits);
        int gs = 128 / bits;
        int w = 1;
        while (w < k && w < 32) w <<= 1;
        int g = k / w / gs;
        int nseg = g == 0 ? 1 : (g + segg - 1) / segg;
        int last = stride - (nseg - 1) * segg * ONE_LOAD;
        int seg = last > segg * ONE_LOAD || nseg == 1 ? last : segg * ONE_LOAD;
        int tabn = 0;
        if (gsz != 0) {
            int span = (int) (((long) (segg + 1) * gs * 32 + gsz - 1) / gsz) + 1;  // groups a segment can touch
            tabn = (Math.min(groups, span) + 3) & ~1;  // plus one entry at each end: 16-byte aligned copies
        }
        return new SlotRow(seg, tabn);
    }

    static int segmentGroups(int bits) {
        return SEGMENT_GROUPS[bits == 8 ? 0 : 1];
    }

    /** Dynamic shared memory of a launch: every warp's ring, then the input row (and the norm's weights). */
    static int smem(int bits, int k, int stride, int groups, int gsz, boolean normed) {
        int b = bits == 8 ? 0 : 1;
        SlotRow r = slotRow(bits, k, stride, groups, gsz);
        long ring = (long) WARPS[b] * SLOTS[b] * ROWS[b] * (r.seg() + 8L * r.tabn());
        return (int) Math.min(Integer.MAX_VALUE, ring + 4L * ((k + 3) & ~3) * (normed ? 2 : 1));
    }
}
