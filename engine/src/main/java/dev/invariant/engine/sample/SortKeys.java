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
