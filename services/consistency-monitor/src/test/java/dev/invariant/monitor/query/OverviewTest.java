package dev.invariant.monitor.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.monitor.topology.WindowStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The overview's series: one point per window, idle windows included, up to now. */
class OverviewTest {
    static final long WINDOW = 10_000;

    private static long at(String time) {
        return Instant.parse("2026-12-03T" + time + "Z").toEpochMilli();
    }

    private static WindowStats busy(long completions, long tokens, double latencyMs) {
        var w = new WindowStats();
        w.completions = completions;
        w.tokens = tokens;
        w.latencySumMs = latencyMs * completions;
        w.latencyMinMs = latencyMs;
        w.latencyMaxMs = latencyMs;
        w.latencyBuckets[8] = completions; // (200, 500] ms
        return w;
    }

    @Test
    void idleWindowsAreZeroThroughputWithoutLatencyUpToNow() {
        Map<Long, WindowStats> windows = Map.of(at("10:11:30"), busy(4, 2800, 414), at("10:13:20"), busy(2, 1400, 300));
        List<Overview.Point> series = Overview.series(windows, WINDOW, at("10:15:05"));

        assertEquals(22, series.size(), "10:11:30 to 10:15:00, every window");
        for (int i = 0; i < series.size(); i++) assertEquals(at("10:11:30") + i * WINDOW, series.get(i).start());
        assertEquals(280, series.get(0).tokensPerSecond(), 1e-9);
        assertEquals(414, series.get(0).latencyP50Ms());
        assertEquals(140, series.get(11).tokensPerSecond(), 1e-9);
        Overview.Point idle = series.get(5);
        assertEquals(0, idle.tokensPerSecond());
        assertEquals(0, idle.completionsPerSecond());
        assertNull(idle.latencyP50Ms());
        assertNull(idle.latencyMeanMs());
        assertNull(idle.consistencyRate());
        assertEquals(0, series.getLast().tokensPerSecond(), "load stopped: the last point is now's window, at zero");
    }

    @Test
    void windowsWithoutTimingsOrRepeatsHaveNoLatencyOrConsistency() {
        var errors = new WindowStats();
        errors.completions = 3;
        errors.errors = 3;
        Overview.Point p = Overview.series(Map.of(at("10:00:00"), errors), WINDOW, at("10:00:01")).getFirst();
        assertNull(p.latencyP99Ms());
        assertNull(p.latencyMaxMs());
        assertNull(p.consistencyRate());
        var repeated = busy(2, 10, 50);
        repeated.repeats = 2;
        repeated.reproduced = 1;
        assertEquals(0.5, Overview.series(Map.of(at("10:00:00"), repeated), WINDOW, at("10:00:01")).getFirst()
                .consistencyRate());
    }

    @Test
    void windowsOfAnotherSizeAreNotDoubledAndNothingMeansNoPoints() {
        assertTrue(Overview.series(Map.of(), WINDOW, at("10:00:00")).isEmpty());
        // a 15 s window from before a change of size covers its 10 s slot
        var series = Overview.series(Map.of(at("10:00:15"), busy(1, 5, 10)), WINDOW, at("10:00:35"));
        assertEquals(List.of(at("10:00:15"), at("10:00:20"), at("10:00:30")),
                series.stream().map(Overview.Point::start).toList());
        assertNotNull(series.getFirst().latencyP50Ms());
    }
}
