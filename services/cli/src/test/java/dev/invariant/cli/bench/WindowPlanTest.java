package dev.invariant.cli.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The order of bench-pipeline's measured windows and the per-pair differences read from them. */
class WindowPlanTest {

    @Test
    void pairsAlternateTheirOrderThenTheLongerPhaseRunsAlone() {
        // bare 10 s, pipeline 22 s, windows of 5 s: 2 bare windows, 5 pipeline windows (the last 2 s long)
        List<WindowPlan.Slot> plan = WindowPlan.of(10, 22, 5);
        assertEquals(List.of(new WindowPlan.Slot(true, 0), new WindowPlan.Slot(false, 0),
                new WindowPlan.Slot(false, 1), new WindowPlan.Slot(true, 1), new WindowPlan.Slot(false, -1),
                new WindowPlan.Slot(false, -1), new WindowPlan.Slot(false, -1)), plan);
        assertEquals(5, WindowPlan.seconds(22, 5, 3));
        assertEquals(2, WindowPlan.seconds(22, 5, 4));
    }

    @Test
    void equalDurationsGiveOnlyPairs() {
        List<WindowPlan.Slot> plan = WindowPlan.of(20, 20, 5);
        assertEquals(8, plan.size());
        assertEquals(4, plan.stream().filter(WindowPlan.Slot::bare).count());
        for (int i = 0; i < plan.size(); i++) assertEquals(i / 2, plan.get(i).pair());
    }

    @Test
    void differencesArePerPairAndSkipUnpairedWindows() {
        var windows = List.of(window(true, 0, 3, 4, 5), window(false, 0, 9, 10, 11), window(false, 1, 6, 7, 8),
                window(true, 1, 1, 2, 3), window(false, -1, 50));
        assertArrayEquals(new double[] {6, 5}, PairedWindows.differences(windows));
    }

    private static Interleaving.Window window(boolean bare, int pair, double... ms) {
        var w = new Interleaving.Window(bare, pair, 0);
        for (double v : ms) w.latencies.add(v);
        return w;
    }
}
