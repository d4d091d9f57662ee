package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;

/**
 * Decode steps captured as CUDA graphs, one per batch size (and attention layout, {@link StepInputs#attentionSplits}),
 * captured on first use and replayed after: a step of a 24-layer model is over 200 kernels, and launching each from
 * Java costs more than most of them run. A graph replays the very kernels with the very arguments of the eager path,
 * so it changes no value; the step's inputs reach it through {@link StepInputs}' fixed buffers.
 */
final class StepGraphs implements AutoCloseable {
    private final CudaContext ctx;
    private final CudaForward forward;
    private final StepInputs inputs;
    private final int maxBatch;
    /** By batch size and attention.cu's layout: a graph keeps the shared memory size it was captured with. */
    private final Map<Long, CUgraphExec> graphs = new HashMap<>();

    StepGraphs(CudaContext ctx, CudaForward forward, StepInputs inputs, int maxBatch) {
        this.ctx = ctx;
        this.forward = forward;
        this.inputs = inputs;
        this.maxBatch = maxBatch;
    }

    /** Whether a step of n single-token chunks, every one wanting logits, can replay a graph. */
    boolean covers(int n) {
        return n <= maxBatch;
    }

    /** Enqueues the decode step of n sequences (inputs staged) by replaying its graph. */
    void launch(int n) {
        long key = (long) n << 32 | inputs.attentionSplits();
        CUgraphExec exec = graphs.computeIfAbsent(key, b -> capture(n, n));
        cuGraphLaunch(exec, ctx.stream);
    }

    /** Captures the step, replays it once and drops it: for profiling, whose events must sit inside the graph. */
    void launchOnce(int n, int m) {
        CUgraphExec exec = capture(n, m);
        cuGraphLaunch(exec, ctx.stream);
        cuStreamSynchronize(ctx.stream);
        cuGraphExecDestroy(exec);
    }

    private CUgraphExec capture(int n, int m) {
        CUgraph graph = new CUgraph();
        cuStreamBeginCapture(ctx.stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        try {
            forward.enqueue(inputs, n, m);
        } finally {
            cuStreamEndCapture(ctx.stream, graph);
        }
        CUgraphExec exec = new CUgraphExec();
        cuGraphInstantiate(exec, graph, 0);
        cuGraphDestroy(graph);
        cuGraphUpload(exec, ctx.stream);  // its device-side setup now, not in the first replay
        return exec;
    }

    int captured() {
        return graphs.size();
    }

    @Override
    public void close() {
        for (CUgraphExec e : graphs.values()) cuGraphExecDestroy(e);
        graphs.clear();
    }
}
