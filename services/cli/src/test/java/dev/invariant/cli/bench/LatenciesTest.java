package dev.invariant.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Nearest-rank percentiles, as bench-pipeline reports them. */
class LatenciesTest {

    @Test
    void percentilesAreNearestRank() {
        var l = new Latencies();
        assertTrue(Double.isNaN(l.percentile(50)));
        for (int i = 2000; i >= 1; i--) l.add(i); // more than the initial capacity, out of order
        assertEquals(2000, l.count());
        assertEquals(1000.0, l.percentile(50));
        assertEquals(1980.0, l.percentile(99));
        assertEquals(2000.0, l.percentile(100));
        assertEquals(1.0, l.percentile(0.01));
    }
}
