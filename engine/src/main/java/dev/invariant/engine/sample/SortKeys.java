package dev.invariant.engine.sample;

/**
 * Packs (value, id) into one long whose ascending order is (value descending, id ascending), so the
 * candidate order is a total order on primitives: no comparator, no ties left to chance.
 */
final class SortKeys {
    private SortKeys() {}

    /** Key for a non-NaN value; -0 counts as +0 so equal values tie-break by id alone. */
    static long key(float value, int id) {
        int bits = Float.floatToRawIntBits(value == 0f ? 0f : value);
        int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed-int order == float order
        return ((long) ~ordered << 32) | (id & 0xFFFFFFFFL);
    }

    static int id(long key) {
        return (int) key;
    }

    /** The value a key was made from (-0 made as +0). */
    static float value(long key) {
        int ordered = ~(int) (key >>> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7FFFFFFF));
    }

    /** Below this many keys {@link #sortInIdOrder} leaves the work to {@code Arrays.sort}. */
    static final int RADIX_MIN = 1024;
    private static final int DIGIT = 11;

    /**
     * Sorts a[0..n) ascending, exactly as {@code Arrays.sort} would, when the keys were made in ascending id order (a
     * whole vocabulary scanned from id 0): a stable LSD radix sort on the value's 32 bits alone (three passes of 11
     * bits, the sign bit flipped so unsigned digits give signed order) leaves equal values in the order they came,
     * which is ascending id. A vocabulary's 152K keys take a few milliseconds less than a comparison sort.
     */
    static void sortInIdOrder(long[] a, int n) {
        if (n < RADIX_MIN) {
            java.util.Arrays.sort(a, 0, n);
            return;
        }
        long[] src = a;
        long[] dst = new long[n];
        int[] at = new int[1 << DIGIT];
        for (int shift = 32; shift < 64; shift += DIGIT) {
            java.util.Arrays.fill(at, 0);
            for (int i = 0; i < n; i++) at[digit(src[i], shift)]++;
            int sum = 0;
            for (int d = 0; d < at.length; d++) {
                int c = at[d];
                at[d] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) dst[at[digit(src[i], shift)]++] = src[i];
            long[] t = src;
            src = dst;
            dst = t;
        }
        if (src != a) System.arraycopy(src, 0, a, 0, n);
    }

    private static int digit(long key, int shift) {
        return (int) ((key ^ Long.MIN_VALUE) >>> shift) & ((1 << DIGIT) - 1);
    }

    /**
     * The k smallest keys offered, in a max-heap of k: a key not below the largest kept is turned away with one compare,
     * so a vocabulary's scan for a small k costs little more than the scan. The keys are distinct, so which keys are
     * kept is fully determined; only the work done varies.
     */
    static final class Smallest {
        private final long[] heap;
        private int size;

        Smallest(int k) {
            heap = new long[k];
        }

        /**
         * Whether a value offered after every key kept so far (a larger id) could be kept: below the largest kept
         * key's value it could not, nor at it (its id is larger), so the scan skips making its key.
         */
        boolean admits(float value) {
            return size < heap.length || value > value(heap[0]);
        }

        void offer(long key) {
            if (size < heap.length) {
                int i = size++;
                while (i > 0 && heap[(i - 1) >>> 1] < key) {
                    heap[i] = heap[(i - 1) >>> 1];
                    i = (i - 1) >>> 1;
                }
                heap[i] = key;
            } else if (key < heap[0]) {
                int i = 0;
                while (true) {
                    int c = 2 * i + 1;
                    if (c >= size) break;
                    if (c + 1 < size && heap[c + 1] > heap[c]) c++;
                    if (heap[c] <= key) break;
                    heap[i] = heap[c];
                    i = c;
                }
                heap[i] = key;
            }
        }

        /** The kept keys, ascending. */
        long[] sorted() {
            long[] out = java.util.Arrays.copyOf(heap, size);
            java.util.Arrays.sort(out);
            return out;
        }
    }
}
