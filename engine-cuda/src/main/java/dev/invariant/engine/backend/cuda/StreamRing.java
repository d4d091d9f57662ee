package dev.invariant.engine.backend.cuda;

import java.util.List;

/**
 * kernels/matvec_stream.cu's rings (one token's dense projections, the weights streamed through shared memory by a
 * persistent grid): each ring's warps, slots and groups per slot written again here for the launch (StreamRingTest
 * reads them from the kernel source), and which ring a model's projections take. A ring changes which warp copies
 * and computes a row, never a value: every ring gives the same bits.
 */
final class StreamRing {
    /** -Dinvariant.cuda.stream-variant: auto (the default), base, w16, wide, pair or pair-early. */
    static final String PROPERTY = "invariant.cuda.stream-variant";
    static final List<String> VARIANTS = List.of("auto", "base", "w16", "wide", "pair", "pair-early");
    /** auto: bf16 models of at most this hidden size take {@link #W16}, larger ones {@link #WIDE}. */
    static final int W16_MAX_HIDDEN = 2048;

    /** A ring: warps per block, slots per warp, layout groups per slot, and its kernels' name suffix. */
    record Shape(int warps, int slots, int groups, String suffix) {
        /** The kernel's STREAM_SLOT_BYTES: groups of 32 lanes x 16 bytes, then a row's rest and tail. */
        int slotBytes() {
            return groups * 512 + 576;
        }

        /** The ring's shared memory per block. */
        int bytes() {
            return warps * slots * slotBytes();
        }

        int threads() {
            return 32 * warps;
        }
    }

    /** STREAM_WARPS x SLOTS x SEG_GROUPS: matvec_stream_<dtype>[_norm[_silu]]. */
    static final Shape BASE = new Shape(8, 3, 8, "");
    /** W16_WARPS x W16_SLOTS x SEG_GROUPS: matvec_stream_<dtype>[_norm[_silu]]_w16. */
    static final Shape W16 = new Shape(16, 2, 8, "_w16");
    /** WIDE_WARPS x WIDE_SLOTS x WIDE_GROUPS, bf16 only, the input row by bulk copy: matvec_stream_bf16[_norm[_silu]]_wide. */
    static final Shape WIDE = new Shape(8, 3, 12, "_wide");
    /** bf16 only, two blocks per multiprocessor, the norm's weights read from global memory: tried in this order. */
    static final List<Shape> PAIRS = List.of(new Shape(8, 2, 8, "_p2x8"), new Shape(8, 2, 4, "_p2x4"));

    private StreamRing() {
    }

    /** The variant the property asks for (auto when unset). */
    static String variant() {
        String v = System.getProperty(PROPERTY, "auto");
        if (!VARIANTS.contains(v)) {
            throw new IllegalArgumentException(PROPERTY + "=" + v + ": use one of " + String.join(", ", VARIANTS));
        }
        return v;
    }

    /**
     * The ring of one token's projection with k inputs in a model of this hidden size, or null (the projection does
     * not fit the streamed kernels' shared memory: the caller takes matvec.cu). By the model's shape alone (measured on
     * an H200, the batch-1 chain of bench/device/kernels/stream_chain.cu, 2026-12-02 16:46): auto gives bf16 models of
     * hidden size up to {@link #W16_MAX_HIDDEN} {@link #W16} (Qwen2.5-0.5B: 23.0 µs per layer and 87.0 µs of lm_head
     * against 26.2 / 142.3 with BASE, 29.4 / 162.3 with WIDE) and larger bf16 models {@link #WIDE} (Qwen1.5-14B: 180.1
     * µs per layer and 371.5 µs of lm_head against 186.3 / 411.9 with BASE, 192.0 / 417.3 with W16); f32 models take
     * BASE. w16 forces W16 on every model and dtype, wide forces WIDE on bf16 models. A row whose input row leaves no
     * room for the chosen ring takes BASE. The pair variants (bf16) are picked by ProjectionKernels where two blocks
     * fit; elsewhere they take BASE, as does base.
     *
     * @param limit the dynamic shared memory a block may take
     */
    static Shape ring(String variant, int hidden, boolean bf16, int k, boolean normed, int limit) {
        Shape want = switch (variant) {
            case "auto" -> !bf16 ? BASE : hidden <= W16_MAX_HIDDEN ? W16 : WIDE;
            case "w16" -> W16;
            case "wide" -> bf16 ? WIDE : BASE;
            default -> BASE;
        };
        if (want != BASE && smem(want, k, normed) <= limit) return want;
        return smem(BASE, k, normed) <= limit ? BASE : null;
    }

    /** Shared memory of a ring's launch: the ring, the input row, and (normed) the norm's weights staged beside it. */
    static int smem(Shape ring, int k, boolean normed) {
        return ring.bytes() + Kernels.smem(k, normed ? 2 : 1);
    }

    /** Shared memory of a pair ring's launch: the ring and the input row (the norm's weights stay in global memory). */
    static int pairSmem(Shape ring, int k) {
        return ring.bytes() + Kernels.smem(k, 1);
    }
}
