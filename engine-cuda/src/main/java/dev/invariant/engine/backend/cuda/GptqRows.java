package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.model.gptq.GptqLayer;
import dev.invariant.engine.model.gptq.GptqLinear;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.GptqMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * GPTQ projections as kernels/gptq_matvec.cu reads them, built on the host once at upload from the CPU's
 * {@link GptqMatrix} (so both backends dequantise from the very same scales and negated zeros). Still packed: a byte
 * (int8) or a nibble (int4) per weight, each row moved into the slot order of kernels/layout.cuh counted in values,
 * {@code GS = 128 / bits} values per 16-byte load, so lane p of a warp finds its next GS values in one load:
 * <pre>
 *   chunks 0 .. G*GS-1:  index i = W * (GS * g + r) + p  at slot  g*W*GS + p*GS + r
 *   chunks G*GS .. C-1:  i = W * (GS * G + r) + p        at slot  G*W*GS + p*R + r      (R = C % GS)
 *   the last k % W:      i = W * C + p                   at slot  W*C + p
 * </pre>
 * Slot j holds the raw q (0 .. 2^bits - 1): int8 byte j, int4 the low nibble of byte j / 2 when j is even, the high
 * one otherwise. Rows start every {@code stride} bytes (16-byte aligned). Several linears reading one input are
 * stacked (q|k|v) or interleaved row by row (gate, up); each row keeps its own (scale, -zero·scale) table per group
 * ({@code tab}, [rows][groups][2]) and the input's group ids ({@code gidx}, one array of k per distinct g_idx;
 * {@code rowPart} names a row's array, null when all rows share one).
 *
 * @param gsz the group size when every g_idx[i] is i / gsz with gsz a multiple of 32 (groups follow 32-index chunks,
 *            1 << 30 for one group), else 0: act-order, groups read per index
 */
record GptqRows(int bits, int rows, int cols, int stride, int groups, int gsz, byte[] q, float[] tab, int[] gidx,
                int[] rowPart) {
    /** One group over the whole input: its boundary is never reached. */
    static final int ONE_GROUP = 1 << 30;

    boolean act() {
        return gsz == 0;
    }

    /** Device bytes a decode step reads: the packed rows and their tables (the group ids are shared by all rows). */
    long bytes() {
        return (long) rows * stride + 4L * tab.length;
    }

    /** Where each input index sits in a row, counted in values. */
    static int[] slots(int k, int bits) {
        int gs = 128 / bits, w = Dot.width(k), chunks = k / w, g = chunks / gs, rest = chunks - g * gs;
        int[] slot = new int[k];
        for (int i = 0; i < k; i++) {
            int m = i / w, p = i % w;
            slot[i] = m < g * gs ? (m / gs) * w * gs + p * gs + m % gs
                    : m < chunks ? g * w * gs + p * rest + (m - g * gs) : chunks * w + p;
        }
        return slot;
    }

    /**
     * A layer's four projections (q|k|v, o, gate/up interleaved, down; a sparse layer's last two null: its experts
     * are {@link #linears}'), built in parallel.
     */
    static GptqRows[] layer(GptqLayer g) {
        boolean sparse = g.gateProj() == null;
        List<List<GptqLinear>> parts = sparse ? List.of(List.of(g.qProj(), g.kProj(), g.vProj()), List.of(g.oProj()))
                : List.of(List.of(g.qProj(), g.kProj(), g.vProj()), List.of(g.oProj()),
                List.of(g.gateProj(), g.upProj()), List.of(g.downProj()));
        GptqRows[] rows = IntStream.range(0, parts.size()).parallel().mapToObj(i -> linears(parts.get(i), i == 2))
                .toArray(GptqRows[]::new);
        return sparse ? new GptqRows[] {rows[0], rows[1], null, null} : rows;
    }

    /**
     * The linears stacked row-wise ({@code interleave}: two of equal shape, gate and up, row by row): first moved
     * into the CPU's rows ({@link GptqMatrix}, whose memory is freed once these rows are made).
     */
    static GptqRows linears(List<GptqLinear> linears, boolean interleave) {
        try (Arena a = Arena.ofShared()) {
            return of(linears.parallelStream().map(l -> GptqMatrix.of(l, a)).toList(), interleave);
        }
    }

    /** The parts stacked row-wise ({@code interleave}: rows a0, b0, a1, b1, … of two parts of equal shape). */
    static GptqRows of(List<GptqMatrix> parts, boolean interleave) {
        GptqMatrix first = parts.getFirst();
        int k = first.cols(), bits = first.bits(), groups = first.groups();
        int rows = 0;
        for (GptqMatrix m : parts) {
            if (m.cols() != k || m.bits() != bits || m.groups() != groups) {
                throw new IllegalArgumentException(m.name() + " differs from " + first.name() + " in inputs, bits or groups");
            }
            rows += m.rows();
        }
        if (interleave && (parts.size() != 2 || parts.get(0).rows() != parts.get(1).rows())) {
            throw new IllegalArgumentException("interleaving needs two linears of equal shape");
        }
        int[] partOf = new int[rows];
        int[] rowOf = new int[rows];
        for (int r = 0, pi = 0, base = 0; r < rows; r++) {
            if (interleave) {
                partOf[r] = r & 1;
                rowOf[r] = r >> 1;
            } else {
                while (r - base >= parts.get(pi).rows()) base += parts.get(pi++).rows();
                partOf[r] = pi;
                rowOf[r] = r - base;
            }
        }
        int stride = ((k * bits / 8) + 15) / 16 * 16;
        int[] slot = slots(k, bits);
        byte[] q = new byte[Math.multiplyExact(rows, stride)];
        float[] tab = new float[Math.multiplyExact(rows, groups * 2)];
        IntStream.range(0, rows).parallel().forEach(r -> {
            GptqMatrix m = parts.get(partOf[r]);
            int n = rowOf[r];
            byte[] src = new byte[m.rowBytes()];
            MemorySegment.copy(m.packed(), ValueLayout.JAVA_BYTE, (long) n * m.rowBytes(), src, 0, src.length);
            long base = (long) r * stride;
            for (int i = 0; i < k; i++) {
                int v = bits == 8 ? (src[i] + 128) & 0xFF
                        : (src[8 * (i / 16) + i % 8] >> (i % 16 < 8 ? 0 : 4)) & 0xF;
                int j = slot[i];
                if (bits == 8) {
                    q[(int) (base + j)] = (byte) v;
                } else {
                    int at = (int) (base + j / 2);
                    q[at] = (byte) (q[at] | v << (4 * (j & 1)));
                }
            }
            for (int g = 0; g < groups; g++) {
                tab[(r * groups + g) * 2] = m.scales()[n * groups + g];
                tab[(r * groups + g) * 2 + 1] = m.negZs()[n * groups + g];
            }
        });
        // distinct g_idx arrays (act-order checkpoints have one per linear)
        List<int[]> distinct = new ArrayList<>();
        int[] part = new int[parts.size()];
        for (int p = 0; p < parts.size(); p++) {
            int[] gi = parts.get(p).gIdx();
            int found = -1;
            for (int d = 0; d < distinct.size() && found < 0; d++) if (Arrays.equals(distinct.get(d), gi)) found = d;
            if (found < 0) {
                found = distinct.size();
                distinct.add(gi);
            }
            part[p] = found;
        }
        int[] gidx = new int[distinct.size() * k];
        for (int d = 0; d < distinct.size(); d++) System.arraycopy(distinct.get(d), 0, gidx, d * k, k);
        int[] rowPart = null;
        if (distinct.size() > 1) {
            rowPart = new int[rows];
            for (int r = 0; r < rows; r++) rowPart[r] = part[partOf[r]];
        }
        return new GptqRows(bits, rows, k, stride, groups, chunkGroups(distinct, k), q, tab, gidx, rowPart);
    }

    /** The group size when groups follow 32-index chunks in order (see {@link #gsz}), else 0. */
    static int chunkGroups(List<int[]> gIdx, int k) {
        if (gIdx.size() != 1) return 0;
        int[] gi = gIdx.getFirst();
        int gsz = 0;
        while (gsz < k && gi[gsz] == 0) gsz++;
        if (gsz == k) return ONE_GROUP;
        if (gsz == 0 || gsz % Dot.PARTIALS != 0) return 0;
        for (int i = 0; i < k; i++) if (gi[i] != i / gsz) return 0;
        return gsz;
    }
}
