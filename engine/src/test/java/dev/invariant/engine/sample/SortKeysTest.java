package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SortKeysTest {

    /** The order the keys must reproduce, with IEEE comparison of values (so -0 == +0), then ids. */
    private static final Comparator<float[]> VALUE_DESC_ID_ASC =
            (a, b) -> a[0] > b[0] ? -1 : a[0] < b[0] ? 1 : Float.compare(a[1], b[1]);

    private static int[] expectedOrder(float[] values) {
        return IntStream.range(0, values.length)
                .mapToObj(i -> new float[] {values[i], i})
                .sorted(VALUE_DESC_ID_ASC)
                .mapToInt(e -> (int) e[1])
                .toArray();
    }

    private static float[] valuesWithTies(SplittableRandom rnd, int n) {
        float[] special = {0f, -0f, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE};
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int pick = rnd.nextInt(10);
            v[i] = pick < 2 ? special[rnd.nextInt(special.length)]
                    : pick < 5 ? rnd.nextInt(-3, 4) // many exact ties
                    : (float) rnd.nextDouble(-50, 50);
        }
        return v;
    }

    @Test
    void keyOrderIsValueDescendingThenIdAscending() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 50; round++) {
            float[] v = valuesWithTies(rnd, 500);
            long[] keys = new long[v.length];
            for (int i = 0; i < v.length; i++) keys[i] = SortKeys.key(v[i], i);
            Arrays.sort(keys);
            int[] ids = Arrays.stream(keys).mapToInt(SortKeys::id).toArray();
            assertArrayEquals(expectedOrder(v), ids);
        }
    }

    @Test
    void theRadixSortEqualsTheComparisonSort() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int n : new int[] {0, 1, SortKeys.RADIX_MIN - 1, SortKeys.RADIX_MIN, 5_000, 151_936}) {
            float[] v = valuesWithTies(rnd, n);
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) keys[i] = SortKeys.key(v[i], i);
            long[] want = keys.clone();
            Arrays.sort(want);
            SortKeys.sortInIdOrder(keys, n);
            assertArrayEquals(want, keys, "n = " + n);
        }
        // only a prefix sorted, the rest left alone
        long[] keys = new long[3_000];
        for (int i = 0; i < keys.length; i++) keys[i] = SortKeys.key((float) rnd.nextGaussian(), i);
        long[] want = keys.clone();
        Arrays.sort(want, 0, 2_000);
        SortKeys.sortInIdOrder(keys, 2_000);
        assertArrayEquals(want, keys);
    }

    @Test
    void aKeyGivesBackItsValue() {
        for (float v : new float[] {0f, 1.5f, -2.25f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, Float.NEGATIVE_INFINITY}) {
            assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(SortKeys.value(SortKeys.key(v, 7))));
        }
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(SortKeys.value(SortKeys.key(-0f, 7))));
    }

    @Test
    void negativeZeroTiesWithPositiveZeroByIdAlone() {
        assertEquals(Long.compare(SortKeys.key(0f, 1), SortKeys.key(-0f, 2)), -1);
        assertEquals(Long.compare(SortKeys.key(-0f, 1), SortKeys.key(0f, 2)), -1);
    }

    @Test
    void smallestKeepsTheSameKeysAsAFullSort() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int round = 0; round < 300; round++) {
            int n = rnd.nextInt(1, 2000);
            int k = rnd.nextInt(1, n + 1);
            float[] v = valuesWithTies(rnd, n);
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) keys[i] = SortKeys.key(v[i], i);
            long[] sorted = keys.clone();
            Arrays.sort(sorted);
            SortKeys.Smallest top = new SortKeys.Smallest(k);
            for (long key : keys) top.offer(key);
            assertArrayEquals(Arrays.copyOf(sorted, k), top.sorted(), "n=" + n + " k=" + k);
            // as Candidates scans: in id order, a value the heap does not admit never offered
            SortKeys.Smallest scan = new SortKeys.Smallest(k);
            for (int i = 0; i < n; i++) if (scan.admits(v[i])) scan.offer(keys[i]);
            assertArrayEquals(Arrays.copyOf(sorted, k), scan.sorted(), "scan n=" + n + " k=" + k);
            SortKeys.Smallest wide = new SortKeys.Smallest(n + 5);  // more room than keys: every key, ascending
            for (long key : keys) wide.offer(key);
            assertArrayEquals(sorted, wide.sorted(), "n=" + n);
        }
    }
}
