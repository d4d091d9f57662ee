package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepBatch;
import dev.invariant.engine.backend.StepOutput;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.ProgressListener;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend: weights and the paged KV cache in device memory, one stream, the forward pass as kernels from
 * kernels/. In the portable profile every value equals the CPU backend's bit for bit (docs/numerics.md), so a hash
 * made on a GPU can be re-verified on any CPU; the fast profile's projections run on the tensor cores, batch-invariant
 * but not CPU-equal ({@link FastKernels}); the naive profile's projections and attention follow the batch on purpose
 * ({@link NaiveKernels}). Decode steps replay CUDA graphs (see {@link StepGraphs}).
 */
public final class CudaBackend implements Backend {
    /** {@code -Dinvariant.cuda.lookahead=false} turns the decode step launched ahead off ({@link Lookahead}). */
    public static final String LOOKAHEAD = "invariant.cuda.lookahead";
    private final Model model;
    private final EngineConfig config;
    private final CudaContext ctx;
    private final Arena arena = Arena.ofShared();
    private final int maxPositions;
    private final StepInputs inputs;
    private final Kernels kernels;
    private final CudaForward forward;
    private final StepGraphs graphs;
    private final StepResults results;
    private final Lookahead ahead;
    private final int maxLogits;
    /** Where each step's time goes, while a benchmark asks (null otherwise). */
    private StepTimeline timeline;

    private CudaBackend(Model model, EngineConfig config, CudaContext ctx, ProgressListener progress) {
        this.model = model;
        this.config = config;
        this.ctx = ctx;
        ModelConfig c = model.config();
        CudaExperts.checkFits(c);
        CudaSizing sizing = CudaSizing.of(c, config);
        int blockSize = sizing.blockSize();
        if (sizing.fraction() == 0) sizing.checkKvTokens(ctx, c, config);
        this.maxLogits = config.maxNumSeqs();
        int maxTokens = sizing.maxTokens();
        this.kernels = new Kernels(ctx, c.hiddenSize(), c.headDim(), sizing.limit(), sizing.kvDtype(), maxTokens);
        ProfileKernels profile = ProfileKernels.of(config.profile(), ctx, kernels, maxTokens, sizing.maxCols());  // before the KV cache is sized
        DeviceWeights weights = DeviceWeights.upload(ctx, kernels, profile, model.weights(), c.gemma() != null, arena,
                progress);
        this.inputs = new StepInputs(ctx, maxTokens, config.maxNumSeqs(), config.maxNumSeqs() * sizing.maxBlocksPerSeq());
        this.forward = new CudaForward(ctx, c, weights, kernels, profile, sizing.kvBlocks(ctx, config), blockSize,
                sizing.kvDtype(), sizing.limit(), maxTokens, maxLogits);
        this.maxPositions = (int) Math.min(sizing.limit(), (long) forward.numBlocks * blockSize);
        boolean useGraphs = !"false".equals(System.getProperty("invariant.cuda.graphs"));
        this.graphs = new StepGraphs(ctx, forward, inputs, useGraphs ? config.maxNumSeqs() : 0);
        this.results = new StepResults(ctx, forward, c.vocabSize(), maxLogits);
        this.ahead = new Lookahead(useGraphs && !"false".equals(System.getProperty(LOOKAHEAD)), blockSize);
        ctx.synchronize();
    }

    /** Builds the backend on GPU 0 (CUDA_VISIBLE_DEVICES picks which), or explains why it cannot run here. */
    public static CudaBackend open(Model model, EngineConfig config, ProgressListener progress) {
        CudaContext ctx = CudaContext.open(0);
        try {
            return new CudaBackend(model, config, ctx, progress);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public NumericsProfile profile() {
        return config.profile();
    }

    @Override
    public int blockSize() {
        return config.blockSize();
    }

    @Override
    public int numBlocks() {
        return forward.numBlocks;
    }

    /** Any of fp32, bf16, fp8_e4m3, fp8_e5m2: rounded when written, widened exactly when read, as on the CPU. */
    @Override
    public KvCacheDtype kvCacheDtype() {
        return config.kvCacheDtype().storage();
    }

    /** Not thread-safe: one step at a time, like every backend (the engine loop is single-threaded). */
    @Override
    public synchronized float[][] forward(List<SeqChunk> chunks) {
        return forward(chunks, new boolean[chunks.size()]).logits();
    }

    /**
     * The step, then one small copy of the greedy-only rows' choices (kernels/greedy_scan.cu ran after the lm_head)
     * and the other rows' logits in as few copies as they have contiguous runs: a greedy row costs 12 bytes, not a
     * 4 × vocab copy and a host scan. When the step was already launched ahead ({@link Lookahead}) it is only read;
     * before reading, the step after it is launched ahead when it may be.
     */
    @Override
    public synchronized StepOutput forward(List<SeqChunk> chunks, boolean[] greedyOnly) {
        ctx.makeCurrent();
        LaunchedStep step;
        if (ahead.inFlight() && ahead.matches(chunks, greedyOnly)) {
            step = ahead.take();
        } else {
            if (ahead.inFlight()) results.await(ahead.discard());
            step = launch(chunks, greedyOnly, null, true);
        }
        launchAhead(chunks, greedyOnly, step);
        StepOutput out = read(step);
        if (ahead.inFlight()) ahead.fed(Lookahead.tokens(out.greedy()));
        return out;
    }

    /**
     * Every wanted row, in {@link StepBatch#logitTokens} order (prompt log-probabilities): run as an ordinary step
     * (the rows are general in {@link StepInputs} and the lm_head), never from a graph nor a step launched ahead,
     * and no step is launched ahead of it.
     */
    @Override
    public synchronized float[][] forwardRows(List<SeqChunk> chunks) {
        ctx.makeCurrent();
        settle();
        LaunchedStep step = launch(chunks, new boolean[chunks.size()], null, false);
        results.await(step);
        long t0 = System.nanoTime();
        float[][] rows = results.rows(step);
        if (kernels.profile != null) kernels.profile.collect();
        if (timeline != null) timeline.read(System.nanoTime() - t0);
        return rows;
    }

    /**
     * Stages and enqueues a step, its result copies and its done event; tokens fed by the device when fedFrom is set.
     * A decode step may replay a graph when {@code mayGraph}.
     */
    private LaunchedStep launch(List<SeqChunk> chunks, boolean[] greedyOnly, CUdeviceptr fedFrom, boolean mayGraph) {
        int vocab = model.config().vocabSize();
        StepBatch b = StepBatch.of(chunks, vocab, config.blockSize(), forward.numBlocks);
        if (b.maxEnd() > maxPositions) {
            throw new EngineException(ErrorCode.PROMPT_TOO_LONG, "position " + (b.maxEnd() - 1) + " is beyond the "
                    + maxPositions + " positions this backend serves");
        }
        int n = b.size();
        int m = b.logitTokens().length;
        if (m > maxLogits) {
            throw new EngineException(ErrorCode.INVALID_PARAM, m + " logits rows are wanted in one step; at most " + maxLogits);
        }
        long t0 = System.nanoTime();
        if (timeline != null) timeline.stepStart();
        inputs.write(b, chunks, config.blockSize(), kernels.attention.splitsFor(b.maxEnd()));
        if (fedFrom != null) kernels.greedyTokens(fedFrom, inputs.tokens(), n);
        if (timeline != null) timeline.kernelsStart();
        long t1 = System.nanoTime();
        boolean graphed = mayGraph && n == m && n == chunks.size() && graphs.covers(n);
        if (kernels.profile != null) {
            graphs.launchOnce(n, m);
        } else if (graphed) {
            graphs.launch(n);
        } else {
            forward.enqueue(inputs, n, m);
        }
        LaunchedStep step = results.enqueue(b, chunks.size(), greedyOnly, graphed);
        if (timeline != null) {
            timeline.stepEnd();
            timeline.host(t1 - t0, System.nanoTime() - t1);
        }
        return step;
    }

    /** Queues the step that would follow {@code step} behind it, fed with its greedy tokens, when it may be. */
    private void launchAhead(List<SeqChunk> chunks, boolean[] greedyOnly, LaunchedStep step) {
        if (!step.graphed() || kernels.profile != null || timeline != null) return;
        List<SeqChunk> next = ahead.next(chunks, greedyOnly, maxPositions);
        if (next == null) return;
        boolean[] all = new boolean[next.size()];
        Arrays.fill(all, true);
        ahead.launched(next, launch(next, all, forward.greedy, true));
    }

    /** Waits for a step and returns its rows: logits, or greedy choices for the greedy-only ones. */
    private StepOutput read(LaunchedStep step) {
        results.await(step);
        long t0 = System.nanoTime();
        StepOutput out = results.read(step);
        if (kernels.profile != null) kernels.profile.collect();
        if (timeline != null) timeline.read(System.nanoTime() - t0);
        return out;
    }

    /** Steps read from a launch ahead, and launches ahead discarded, since the backend opened. */
    synchronized long[] lookahead() {
        return new long[] {ahead.hits(), ahead.discards()};
    }

    /** Turns launching decode steps ahead on or off (it starts as {@link #LOOKAHEAD} says). */
    synchronized void lookahead(boolean on) {
        settle();
        ahead.enable(on && graphs.covers(1));
    }

    /** Waits for a step launched ahead, if any, and drops it: before work that must find the stream idle. */
    private void settle() {
        if (ahead.inFlight()) results.await(ahead.discard());
    }

    @Override
    public String describe() {
        return "cuda " + ctx.describe() + " " + config.profile().wireName();
    }

    synchronized CudaContext context() {
        settle();
        return ctx;
    }

    /** Starts timing every kernel of the following eager steps (decode graphs are bypassed meanwhile). */
    synchronized void startProfile() {
        settle();
        kernels.profile = new KernelProfile(ctx.stream);
    }

    /** Starts timing where each step's time goes (host and device parts), for benchmarks. */
    synchronized void startTimeline() {
        settle();
        if (timeline != null) timeline.close();
        timeline = new StepTimeline(ctx.stream);
    }

    /** Per step since {@link #startTimeline()}: host stage / launch / read-back, device copies / kernels / idle gap. */
    synchronized String stopTimeline() {
        String r = timeline.report();
        timeline.close();
        timeline = null;
        return r;
    }

    /** Per-kernel device time per step since {@link #startProfile()}; profiling stops. */
    synchronized String stopProfile() {
        String r = kernels.profile.report();
        kernels.profile = null;
        return r;
    }

    /**
     * Device time of a decode step of n tokens, in microseconds: its graph (captured by an earlier step of n tokens)
     * replayed reps times back to back on the staged inputs, with no host work between: what a step would cost if
     * the host kept ahead of the GPU. Benchmarks only: the replays rewrite the last step's KV entries.
     */
    synchronized double replayMicros(int n, int reps) {
        ctx.makeCurrent();
        settle();
        graphs.launch(n);
        ctx.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) graphs.launch(n);
        ctx.synchronize();
        return (System.nanoTime() - t0) / 1e3 / reps;
    }

    /** Nanoseconds {@link #forward} has waited for the device since the backend opened. */
    synchronized long waitNanos() {
        return results.waitNanos();
    }

    /** Decode step graphs captured so far: one per batch size (and attention layout, StepInputs#attentionSplits). */
    public int graphsCaptured() {
        return graphs.captured();
    }

    @Override
    public void close() {
        ctx.makeCurrent();
        settle();
        graphs.close();
        ctx.close();
        arena.close();
    }
}
