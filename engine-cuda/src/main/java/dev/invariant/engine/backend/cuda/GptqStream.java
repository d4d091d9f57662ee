package dev.invariant.engine.backend.cuda;

/**
 * kernels/gptq_stream.cu, one token's GPTQ projections with the packed rows streamed through shared memory: the
 * kernel a projection takes and the shared memory it needs, the kernel's {@code gstream_slot_row} and ring shapes
 * ({@code GSTREAM<family>_WARPS}, {@code _SLOTS}, {@code _SEGG}, {@code _R}, {@code _MERGED}) written again here for
 * the launch.
 */
final class GptqStream {
    private static final int ONE_LOAD = 512;  // a layout group: 32 lanes x 16 bytes

    /**
     * A family's ring: warps per block, slots per warp, layout groups (512 bytes) per segment, rows per unit, and
     * whether a one-segment unit comes as one copy of its rows and one of their tables.
     */
    record Shape(String suffix, int warps, int slots, int segmentGroups, int rows, boolean merged) {
    }

    /** GSTREAM8_*: int8, group 128 and any group (2x2x10, merged). */
    static final Shape INT8 = new Shape("", 8, 2, 10, 2, true);
    /**
     * GSTREAM8W_*: int8 grouped rows too wide for {@link #INT8}'s ring (a 7-8B model's 14,336- or 18,944-input down
     * projection): 4x2x4, exponent words from a table (175.1 µs per 14B layer against INT8's 160.5).
     */
    static final Shape INT8_WIDE = new Shape("_wide", 8, 2, 4, 4, false);
    /** GSTREAM8A_*: int8, act-order (2x2x2, 20 warps). */
    static final Shape INT8_ACT = new Shape("", 20, 2, 2, 2, false);
    /** GSTREAM4_*: int4, every grouping (2x2x2, 20 warps; the kernel also reads its exponent words from a table). */
    static final Shape INT4 = new Shape("", 20, 2, 2, 2, false);

    private GptqStream() {
    }

    /** The shape of the family's kernel for these weights; gsz 0 is act-order. */
    static Shape shape(int bits, int gsz) {
        return bits == 4 ? INT4 : gsz == 0 ? INT8_ACT : INT8;
    }

    /**
     * The shape a projection streams with, its shared memory within {@code limit}: the family's, else for int8 grouped
     * rows {@link #INT8_WIDE}; null when neither fits (gptq_matvec.cu takes it: the same values). Without
     * {@code familyFirst}, int8 grouped rows take INT8_WIDE wherever it fits (to compare the two).
     */
    static Shape fitting(int bits, int k, int stride, int groups, int gsz, boolean normed, int limit, boolean familyFirst) {
        Shape family = shape(bits, gsz);
        Shape[] order = family != INT8 ? new Shape[] {family}
                : familyFirst ? new Shape[] {INT8, INT8_WIDE} : new Shape[] {INT8_WIDE, INT8};
        for (Shape s : order) {
            if (smem(s, bits, k, stride, groups, gsz, normed) <= limit) return s;
        }
        return null;
    }

    /** Index of a kernel among [bits 8/4][groups: any, 128, act-order]. */
    static int groupKind(int gsz) {
        return gsz == 0 ? 2 : gsz == 128 ? 1 : 0;
    }

    static String name(int bits, int groupKind, String fusedSuffix) {
        return name(bits, groupKind, shape(bits, groupKind == 2 ? 0 : 128), fusedSuffix);
    }

    static String name(int bits, int groupKind, Shape shape, String fusedSuffix) {
        return "gptq_stream_int" + bits + new String[] {"", "_g128", "_act"}[groupKind] + shape.suffix() + fusedSuffix;
    }

    /** One row's room in a slot: its longest segment's bytes and the (s, nz) entries a segment's slice can take. */
    record SlotRow(int seg, int tabn) {
    }

    /** The kernel's gstream_slot_row. */
    static SlotRow slotRow(int bits, int k, int stride, int groups, int gsz) {
        return slotRow(shape(bits, gsz), bits, k, stride, groups, gsz);
    }

    static SlotRow slotRow(Shape shape, int bits, int k, int stride, int groups, int gsz) {
        int segg = shape.segmentGroups();
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

    /** Dynamic shared memory of a launch: every warp's ring, then the input row (and the norm's weights). */
    static int smem(int bits, int k, int stride, int groups, int gsz, boolean normed) {
        return smem(shape(bits, gsz), bits, k, stride, groups, gsz, normed);
    }

    static int smem(Shape s, int bits, int k, int stride, int groups, int gsz, boolean normed) {
        SlotRow r = slotRow(s, bits, k, stride, groups, gsz);
        long ring = (long) s.warps() * s.slots() * s.rows() * (r.seg() + 8L * r.tabn());
        return (int) Math.min(Integer.MAX_VALUE, ring + 4L * ((k + 3) & ~3) * (normed ? 2 : 1));
    }
}
