package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;

import java.util.Locale;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;

/**
 * Where a step's wall time goes, for benchmarks: on the host, staging the inputs, launching and reading the results
 * back; on the device, the input copies, the step's kernels (with the result copy) and the idle gap since the
 * previous step ended. Three events per step on the backend's one stream, read after the step's own synchronize, so
 * it adds no wait (steps launched ahead are off while it runs); the previous step's end event is kept (two sets, alternating) to measure the gap.
 */
final class StepTimeline implements AutoCloseable {
    private final CUstream stream;
    private final CUevent[][] marks = new CUevent[2][3];
    private int cur;
    private boolean hasPrevious;
    private long steps;
    private long stageNanos;
    private long launchNanos;
    private long readNanos;
    private double copyMs;
    private double kernelsMs;
    private double gapMs;
    private long gaps;
    private long pendingStage;
    private long pendingLaunch;

    StepTimeline(CUstream stream) {
        this.stream = stream;
        for (CUevent[] set : marks) {
            for (int i = 0; i < set.length; i++) {
                set[i] = new CUevent();
                cuEventCreate(set[i], 0);
            }
        }
    }

    /** Before the inputs are staged and copied. */
    void stepStart() {
        cuEventRecord(marks[cur][0], stream);
    }

    /** After the input copies are queued, before the step's kernels. */
    void kernelsStart() {
        cuEventRecord(marks[cur][1], stream);
    }

    /** After the result copies are queued, before the synchronize. */
    void stepEnd() {
        cuEventRecord(marks[cur][2], stream);
    }

    /** The step's host parts before its wait: staging, then launching and queueing the result copies. */
    void host(long stage, long launch) {
        pendingStage = stage;
        pendingLaunch = launch;
    }

    /** After the step's wait and read-back: adds its device intervals and its host parts. */
    void read(long read) {
        long stage = pendingStage;
        long launch = pendingLaunch;
        float[] ms = new float[1];
        cuEventElapsedTime(ms, marks[cur][0], marks[cur][1]);
        copyMs += ms[0];
        cuEventElapsedTime(ms, marks[cur][1], marks[cur][2]);
        kernelsMs += ms[0];
        if (hasPrevious) {
            cuEventElapsedTime(ms, marks[1 - cur][2], marks[cur][0]);
            gapMs += ms[0];
            gaps++;
        }
        hasPrevious = true;
        cur = 1 - cur;
        steps++;
        stageNanos += stage;
        launchNanos += launch;
        readNanos += read;
    }

    /** Per step, in microseconds: host stage / launch / read-back, device copies / kernels / idle gap. */
    String report() {
        double n = Math.max(1, steps);
        return String.format(Locale.ROOT, "%d steps, per step µs: host stage %.1f, launch %.1f, read back %.1f;"
                        + " device input copies %.1f, kernels+results %.1f, idle since the previous step %.1f",
                steps, stageNanos / 1e3 / n, launchNanos / 1e3 / n, readNanos / 1e3 / n, copyMs * 1e3 / n,
                kernelsMs * 1e3 / n, gaps == 0 ? 0 : gapMs * 1e3 / gaps);
    }

    @Override
    public void close() {
        for (CUevent[] set : marks) {
            for (CUevent e : set) cuEventDestroy(e);
        }
    }
}
