package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;

import dev.invariant.engine.backend.StepBatch;
import dev.invariant.engine.backend.StepOutput;
import dev.invariant.engine.sample.GreedyChoice;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * Where a step's results reach the host: its logits rows in one pinned buffer, its greedy choices in one of two
 * pinned buffers taken in turn, and its done event. The copies are queued on the backend's one stream, behind the
 * step's kernels, so waiting for the event waits for this step and not for one queued behind it.
 */
final class StepResults {
    private final CudaContext ctx;
    private final CudaForward forward;
    private final int vocab;
    private final CudaContext.Pinned logitsHost;
    /** Greedy choices of two steps in turn: one being read while the one launched ahead is copied. */
    private final CudaContext.Pinned[] greedyHosts = new CudaContext.Pinned[2];
    private final CUevent[] doneEvents = new CUevent[2];
    private int greedyTurn;
    /** Time spent waiting for the device (benchmarks split a step's host time with it). */
    private long waitNanos;

    StepResults(CudaContext ctx, CudaForward forward, int vocab, int maxLogits) {
        this.ctx = ctx;
        this.forward = forward;
        this.vocab = vocab;
        this.logitsHost = ctx.pinned(4L * maxLogits * vocab);
        for (int i = 0; i < 2; i++) {
            greedyHosts[i] = ctx.pinned(12L * maxLogits);
            doneEvents[i] = new CUevent();
            cuEventCreate(doneEvents[i], CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }
    }

    /**
     * Queues step {@code b}'s result copies and its done event: one small copy of the greedy-only rows' choices and
     * the other rows' logits in as few copies as they have contiguous runs.
     */
    LaunchedStep enqueue(StepBatch b, int chunks, boolean[] greedyOnly, boolean graphed) {
        int m = b.logitTokens().length;
        int[] rows = b.logitChunks();
        boolean anyGreedy = false;
        for (int i = 0; i < m; ) {
            if (greedyOnly[rows[i]]) {
                anyGreedy = true;
                i++;
                continue;
            }
            int j = i;
            while (j < m && !greedyOnly[rows[j]]) j++;
            long at = 4L * i * vocab;
            cuMemcpyDtoHAsync(logitsHost.pointer().withByteOffset(at), forward.logits.withByteOffset(at),
                    4L * (j - i) * vocab, ctx.stream);
            i = j;
        }
        greedyTurn ^= 1;
        CudaContext.Pinned greedyHost = greedyHosts[greedyTurn];
        if (anyGreedy) cuMemcpyDtoHAsync(greedyHost.pointer(), forward.greedy, 12L * m, ctx.stream);
        CUevent done = doneEvents[greedyTurn];
        cuEventRecord(done, ctx.stream);
        return new LaunchedStep(b, chunks, greedyOnly, greedyHost, done, graphed);
    }

    /** Waits for a step's result copies. */
    void await(LaunchedStep step) {
        long t0 = System.nanoTime();
        cuEventSynchronize(step.done());
        waitNanos += System.nanoTime() - t0;
    }

    /** A copied step's rows: logits, or greedy choices for the greedy-only ones. */
    StepOutput read(LaunchedStep step) {
        float[][] logits = new float[step.chunks()][];
        GreedyChoice[] greedy = new GreedyChoice[step.chunks()];
        int[] rows = step.batch().logitChunks();
        FloatBuffer f = logitsHost.buffer().asFloatBuffer();
        IntBuffer g = step.greedyHost().buffer().asIntBuffer();
        for (int i = 0; i < rows.length; i++) {
            int chunk = rows[i];
            if (step.greedyOnly()[chunk]) {
                greedy[chunk] = new GreedyChoice(g.get(3 * i), g.get(3 * i + 1), Float.intBitsToFloat(g.get(3 * i + 2)));
            } else {
                float[] row = new float[vocab];
                f.get(i * vocab, row);
                logits[chunk] = row;
            }
        }
        return new StepOutput(logits, greedy);
    }

    /** A copied step's every logits row, in {@link StepBatch#logitTokens} order (none greedy-only). */
    float[][] rows(LaunchedStep step) {
        float[][] rows = new float[step.batch().logitTokens().length][];
        FloatBuffer f = logitsHost.buffer().asFloatBuffer();
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new float[vocab];
            f.get(i * vocab, rows[i]);
        }
        return rows;
    }

    /** Nanoseconds spent in {@link #await} since the backend opened. */
    long waitNanos() {
        return waitNanos;
    }
}
