package dev.invariant.monitor.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Latency quantiles from the window's histogram against the true quantiles of known samples. */
class WindowStatsTest {

    private static WindowStats of(double... ms) {
        var w = new WindowStats();
        for (double m : ms) w.latency(m);
        return w;
    }

    @Test
    void latenciesAllAlikeGiveThatLatencyNotTheBucketsBound() {
        WindowStats w = of(414, 414, 414, 414, 414, 414, 414, 414, 414, 414);
        assertEquals(414, w.latencyQuantileMs(0.5));
        assertEquals(414, w.latencyQuantileMs(0.99));
    }

    @Test
    void spreadLatenciesAreInterpolatedWithinTheirBucket() {
        WindowStats uniform = of(IntStream.rangeClosed(1, 1000).asDoubleStream().toArray());
        assertEquals(500, uniform.latencyQuantileMs(0.5), 1e-9);
        assertEquals(990, uniform.latencyQuantileMs(0.99), 1e-9);
        // 300..530 ms, mean 415: the old estimate was the bucket bound, 500
        WindowStats skewed = of(IntStream.rangeClosed(300, 530).asDoubleStream().toArray());
        assertEquals(415, skewed.latencyQuantileMs(0.5), 415 * 0.01);
        assertEquals(528, skewed.latencyQuantileMs(0.99), 528 * 0.01);
        assertEquals(530, skewed.latencyQuantileMs(1.0));
        assertEquals(300, skewed.latencyQuantileMs(0.0), 1);
    }

    @Test
    void addingKeepsTheMinimumSoMergedWindowsEstimateAlike() {
        WindowStats merged = new WindowStats().add(of(414, 414, 414)).add(new WindowStats());
        assertEquals(414, merged.latencyQuantileMs(0.5));
        WindowStats two = new WindowStats().add(of(60)).add(of(40));
        assertEquals(40, two.latencyMinMs);
        assertEquals(50, two.latencyQuantileMs(0.5));
        assertEquals(60, two.latencyQuantileMs(0.99));
    }

    @Test
    void noTimingsNoQuantile() {
        assertEquals(0, of().latencyQuantileMs(0.5));
        assertEquals(0, of(Double.NaN, -1).timed());
    }
}
