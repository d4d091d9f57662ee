package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;

/**
 * Device time per kernel (a benchmark's profiling pass, CudaBackend.startProfile): events recorded around every
 * launch of a step that is captured as a graph and replayed once, so the times are the device's, gaps between
 * kernels included in the step's span, and no host launch cost is counted.
 */
final class KernelProfile {
    private record Mark(String kernel, CUevent start, CUevent end) {
    }

    /** CU_EVENT_RECORD_EXTERNAL: inside a capture, a real record node (a plain record only orders streams). */
    private static final int EXTERNAL = 1;

    private final List<Mark> marks = new ArrayList<>();
    private final Map<String, double[]> totals = new LinkedHashMap<>();
    private final CUstream stream;
    private CUevent open;
    private double span;
    private int steps;

    KernelProfile(CUstream stream) {
        this.stream = stream;
    }

    void before() {
        open = new CUevent();
        cuEventCreate(open, 0);
        cuEventRecordWithFlags(open, stream, EXTERNAL);
    }

    void after(String kernel) {
        CUevent end = new CUevent();
        cuEventCreate(end, 0);
        cuEventRecordWithFlags(end, stream, EXTERNAL);
        marks.add(new Mark(kernel, open, end));
    }

    /** Adds the times of the step just run (after the stream is synchronised) and releases its events. */
    void collect() {
        if (marks.isEmpty()) return;
        float[] ms = new float[1];
        for (Mark m : marks) {
            cuEventElapsedTime(ms, m.start(), m.end());
            double[] v = totals.computeIfAbsent(m.kernel(), k -> new double[2]);
            v[0] += ms[0] * 1000.0;
            v[1]++;
        }
        cuEventElapsedTime(ms, marks.getFirst().start(), marks.getLast().end());
        span += ms[0] * 1000.0;
        steps++;
        for (Mark m : marks) {
            cuEventDestroy(m.start());
            cuEventDestroy(m.end());
        }
        marks.clear();
    }

    /** Microseconds per step by kernel, largest first. */
    String report() {
        StringBuilder b = new StringBuilder();
        double kernels = totals.values().stream().mapToDouble(v -> v[0]).sum() / steps;
        b.append(String.format(Locale.ROOT, "%d steps: %.1f us from first kernel start to last end, %.1f us in kernels%n",
                steps, span / steps, kernels));
        totals.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0]))
                .forEach(e -> b.append(String.format(Locale.ROOT, "  %-28s %9.1f us/step %5.0f launches/step %8.2f us each%n",
                        e.getKey(), e.getValue()[0] / steps, e.getValue()[1] / steps, e.getValue()[0] / e.getValue()[1])));
        return b.toString();
    }
}
