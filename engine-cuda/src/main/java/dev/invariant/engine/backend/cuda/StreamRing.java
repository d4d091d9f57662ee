package dev.invariant.engine.backend.cuda;

import java.util.List;

/**
 * kernels/matvec_stream.cu's rings (one token's dense projections, the weights streamed through shared memory by a
 * persistent grid): each ring's warps, slots and groups per slot written again here for the launch (StreamRingTest
 * reads them from the kernel source), and which ring a model's projections take. A ring changes which warp copies
 * and computes a row, never a value: every ring gives the same bits.
 */
final class StreamRing {
    /** -Dinvariant.cuda.stream-variant: auto (the default), base, w16, pair or pair-early. */
    static final String PROPERTY = "invariant.cuda.stream-variant";
    static final List<String> VARIANTS = List.of("auto", "base", "w16", "pair", "pair-early");
    /** auto: bf16 models of at most this hidden size take {@link #W16}. */
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
     * not fit the streamed kernels' shared memory: the caller takes matvec.cu). By the model's shape alone: auto gives
     * bf16 models of hidden size up to {@link #W16_MAX_HIDDEN} {@link #W16}, measured faster there (Qwen2.5-0.5B on an
     * H200: 23.0 against 26.3 µs per layer, 89.5 against 141.2 µs of lm_head) and a little slower for Qwen1.5-14B
     * (191.1 against 186.5 µs per layer), which keeps {@link #BASE}; w16 forces it on every model and dtype. A row
     * whose input row leaves no room for W16's larger ring takes BASE. The pair variants (bf16) are picked by
     * Kernels where two blocks fit; elsewhere they take BASE, as does base.
     *
     * @param limit the dynamic shared memory a block may take
     */
    static Shape ring(String variant, int hidden, boolean bf16, int k, boolean normed, int limit) {
        boolean w16 = switch (variant) {
            case "auto" -> bf16 && hidden <= W16_MAX_HIDDEN;
            case "w16" -> true;
            default -> false;
        };
        if (w16 && smem(W16, k, normed) <= limit) return W16;
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
