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
     * Rearranges {@code a[0..n)} so that {@code a[0..k)} holds its k smallest keys (in no particular order).
     * The keys are distinct, so which keys end up there is fully determined; only the work done varies.
     */
    static void selectSmallest(long[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int target = k - 1;
        while (lo < hi) {
            long pivot = medianOf3(a[lo], a[(lo + hi) >>> 1], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return;
        }
    }

    private static long medianOf3(long x, long y, long z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
