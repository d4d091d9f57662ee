package dev.invariant.cli.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The order of the measured windows: the bare round trip and the pipeline alternate in pairs whose order flips
 * each time (bare, pipeline | pipeline, bare | bare, pipeline ...), so a load that rises or falls over the run
 * weighs on both alike; once one phase has had its seconds, the other runs on alone (a soak's long pipeline).
 */
final class WindowPlan {
    /** One window: its phase and the pair it belongs to (-1 when the other phase has no window in it). */
    record Slot(boolean bare, int pair) {
    }

    private WindowPlan() {
    }

    /** Windows of {@code windowSeconds} (the last of each phase shorter if the duration is not a multiple). */
    static List<Slot> of(long bareSeconds, long pipelineSeconds, long windowSeconds) {
        long bareWindows = (bareSeconds + windowSeconds - 1) / windowSeconds;
        long pipelineWindows = (pipelineSeconds + windowSeconds - 1) / windowSeconds;
        var slots = new ArrayList<Slot>();
        int pair = 0;
        for (; pair < Math.min(bareWindows, pipelineWindows); pair++) {
            boolean bareFirst = pair % 2 == 0;
            slots.add(new Slot(bareFirst, pair));
            slots.add(new Slot(!bareFirst, pair));
        }
        for (long i = pair; i < bareWindows; i++) slots.add(new Slot(true, -1));
        for (long i = pair; i < pipelineWindows; i++) slots.add(new Slot(false, -1));
        return slots;
    }

    /** How long window {@code index} of a phase lasts: a whole window, or what is left of the phase's seconds. */
    static long seconds(long phaseSeconds, long windowSeconds, long index) {
        return Math.min(windowSeconds, phaseSeconds - index * windowSeconds);
    }
}
