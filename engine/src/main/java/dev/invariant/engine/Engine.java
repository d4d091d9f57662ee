package dev.invariant.engine;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.api.ToolCallFormat;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.Backends;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelLoader;
import dev.invariant.engine.model.RopeScaling;
import dev.invariant.engine.text.ChatTemplate;
import dev.invariant.engine.text.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The engine as a service: requests may be submitted from any thread; one engine thread runs the loop.
 * {@link #generateAll} runs a whole workload on the caller's thread instead (the CLI's batch mode).
 *
 * <p>One stepper at a time: whoever admits and steps holds {@code stepper}, the engine thread for each pass of its
 * loop, or a caller of {@link #submitAllAndStep} that found the engine idle and runs the first pass itself instead
 * of waking the engine thread (a thread hand-off less on an idle engine: docs/benchmarks.md, 2026-12-02/03).
 */
public final class Engine implements AutoCloseable {
    private final EngineConfig config;
    private final EngineCore core;
    // Guarded by this object's lock; the engine thread moves it to its own queue, taken, in one piece.
    private final ArrayDeque<Submission> incoming = new ArrayDeque<>();
    private final ArrayDeque<Submission> taken = new ArrayDeque<>();
    private final AtomicInteger pending = new AtomicInteger();
    // Held by whoever admits and steps (docs above); taken and core are touched only under it.
    private final ReentrantLock stepper = new ReentrantLock();
    private final ToolCallFormat toolCallFormat;
    private volatile boolean closing;
    private Thread loop;

    /** {@code submittedAt}: the core's clock at submit, so a request's queue time includes waking this thread. */
    private record Submission(Request request, TokenListener listener, CompletableFuture<GenerationResult> future,
                              long submittedAt) {
    }

    public Engine(EngineConfig config, EngineCore core) {
        this.config = config;
        this.core = core;
        this.toolCallFormat = ToolCallFormat.detect(core.tokenizer().chatTemplate().map(ChatTemplate::source).orElse(null));
    }

    /** Loads the model and tokenizer named by the config and builds the backend it names ({@code cpu}, {@code cuda}). */
    public static Engine open(EngineConfig config) {
        return open(config, line -> { });
    }

    /**
     * As {@link #open(EngineConfig)}, telling {@code startupLog} the memory figures before the backend allocates (and a
     * context capped by longrope's original one).
     */
    public static Engine open(EngineConfig config, java.util.function.Consumer<String> startupLog) {
        Model model = ModelLoader.load(config.model());
        EngineCore.contextLength(model, config); // a bad max_model_len fails before anything is opened
        checkQuantization(config.quantization(), model);
        if (model.config().ropeScaling().type() == RopeScaling.Type.LONGROPE) {
            startupLog.accept("context: at most " + model.config().maxPositionEmbeddings() + " tokens, the model's"
                    + " longrope original_max_position_embeddings (its long factors, for longer sequences, are not"
                    + " supported)");
        }
        startupLog.accept(MemoryFigures.startLine(model, config));
        Tokenizer tokenizer = model.folder() != null ? Tokenizer.load(model.folder())
                : Tokenizer.bytes(model.config().vocabSize());
        Backend backend;
        try {
            backend = Backends.open(model, config);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        if (config.gpuMemoryUtilization() > 0) {
            startupLog.accept(MemoryFigures.of(model, config, backend.numBlocks()).line() + " (gpu_memory_utilization="
                    + config.gpuMemoryUtilization() + ")");
        }
        try {
            return new Engine(config, new EngineCore(model, tokenizer, backend, config, System::nanoTime));
        } catch (RuntimeException e) {
            backend.close();
            tokenizer.close();
            throw e;
        }
    }

    /** vLLM's {@code quantization} option: checked against what the checkpoint holds, never applied to it. */
    static void checkQuantization(String expected, Model model) {
        if (expected == null || expected.equals("auto")) return;
        String actual = model.weights().quantization() == null ? "none" : "gptq";
        if (!expected.equals(actual)) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "quantization '" + expected + "' was asked for, but "
                    + model.id() + " holds " + (actual.equals("none") ? "dense (unquantised) weights"
                    : model.weights().describeQuantization() + " weights") + ": drop --quantization or pass "
                    + actual + "; quantisation is read from the checkpoint, never applied at load");
        }
    }

    public EngineCore core() {
        return core;
    }

    public EngineConfig config() {
        return config;
    }

    /** The loaded model (configuration, weights digest). */
    public Model model() {
        return core.model();
    }

    public Tokenizer tokenizer() {
        return core.tokenizer();
    }

    /**
     * The token ids a request with this prompt would run on: the same tokenisation (chat template included) as
     * generation, so a caller can see what its prompt became without generating (the worker's {@code /tokenize}).
     *
     * @throws EngineException as a request with this prompt would be refused (empty prompt, no chat template)
     */
    public int[] promptIds(Prompt prompt) {
        return PreparedRequest.tokenize(prompt, core.tokenizer());
    }

    /** The form this model writes tool calls in under tool_choice "auto", as its chat template teaches it. */
    public ToolCallFormat toolCallFormat() {
        return toolCallFormat;
    }

    /** The context length requests are held to (vLLM's max_model_len). */
    public int maxModelLen() {
        return core.contextLength();
    }

    /** Sequences in the running batch (a gauge: read from any thread, approximate while the loop runs). */
    public int numRunning() {
        return core.scheduler().numRunning();
    }

    /** Admitted sequences waiting for their first step (a gauge). */
    public int numWaiting() {
        return core.scheduler().numWaiting();
    }

    /** Admitted sequences not finished, running or waiting, counted at one instant (a gauge). */
    public int numHeld() {
        return core.scheduler().numHeld();
    }

    /** Fraction of KV cache blocks in use, 0 to 1 (a gauge). */
    public double kvUsage() {
        return core.scheduler().kvUsage();
    }

    /** What runs the forward pass, for completions and health: e.g. "cuda NVIDIA H200 sm_90 driver 580.159.04 cuda 13.0 portable". */
    public String backendDescription() {
        return core.backendDescription();
    }

    /** Whether {@link #submit} would accept another request now; callers pause their intake when not. */
    public boolean canAccept() {
        return pending.get() < config.maxWaiting();
    }

    /**
     * Queues a request for the engine thread; the future completes with its result (errors included). Cancelling the
     * future ({@link CompletableFuture#cancel}) abandons the request: the engine drops it before its next step (its
     * listener hears no more tokens) and frees its KV cache, as vLLM aborts the request of a client that went away.
     */
    public synchronized CompletableFuture<GenerationResult> submit(Request r, TokenListener listener) {
        CompletableFuture<GenerationResult> f = enqueue(r, listener);
        wake();
        return f;
    }

    /**
     * Queues several requests at once: the engine thread takes them all in the same pass, so they start in the same
     * step (as far as the scheduler's batch limits allow) instead of the first ones starting alone while the rest
     * are still being queued. Each request meets the same admission rules as through {@link #submit}; the futures
     * come back in request order.
     */
    public synchronized List<CompletableFuture<GenerationResult>> submitAll(List<Submitted> requests) {
        List<CompletableFuture<GenerationResult>> futures = enqueueAll(requests);
        if (!requests.isEmpty()) wake();
        return futures;
    }

    /**
     * {@link #submitAll}, and when the engine is idle (its thread parked, nothing admitted or running) and its backend
     * steps on any thread, the caller admits them and runs their first step itself, then wakes the engine thread
     * only if work is left (a request wanting more tokens). Busy, or a backend bound to its thread: as submitAll.
     * For a caller that can spend one step's time (the Kafka intake); the results are the same bits either way.
     */
    public List<CompletableFuture<GenerationResult>> submitAllAndStep(List<Submitted> requests) {
        List<CompletableFuture<GenerationResult>> futures;
        synchronized (this) {
            futures = enqueueAll(requests);
            if (requests.isEmpty()) return futures;
            if (!core.backend().stepsOnAnyThread() || !stepper.tryLock()) {
                wake();
                return futures;
            }
        }
        boolean more = true;
        try {
            if (taken.isEmpty() && !core.hasWork()) {
                pass(); // the engine thread is parked (it holds stepper otherwise) with nothing to do
                more = core.hasWork() || !taken.isEmpty();
            }
        } catch (RuntimeException e) {
            // A bug outside the forward pass (whose failures the step turns into error results): reported as on the
            // engine thread, which takes the work over; never thrown, as the requests are in the engine already.
            Thread t = Thread.currentThread();
            t.getUncaughtExceptionHandler().uncaughtException(t, e);
        } finally {
            stepper.unlock();
            if (more) wakeLoop();
        }
        return futures;
    }

    private List<CompletableFuture<GenerationResult>> enqueueAll(List<Submitted> requests) {
        var futures = new ArrayList<CompletableFuture<GenerationResult>>(requests.size());
        for (Submitted s : requests) futures.add(enqueue(s.request(), s.listener()));
        return futures;
    }

    /** The error a cancelled request ends with (its future's {@code cancel} made it so). */
    static EngineException cancelled() {
        return new EngineException(ErrorCode.CANCELLED, "the request was cancelled by its caller before it finished");
    }

    /** A request and the listener of its tokens, for {@link #submitAll}. */
    public record Submitted(Request request, TokenListener listener) {
    }

    // The admission rules, for submit and submitAll alike. Called holding this object's lock.
    private CompletableFuture<GenerationResult> enqueue(Request r, TokenListener listener) {
        CompletableFuture<GenerationResult> f = new CompletableFuture<>();
        if (closing) {
            f.complete(GenerationResult.failed(r.requestId(), config.profile(),
                    new EngineException(ErrorCode.OVERLOADED, "the engine is shutting down")));
            return f;
        }
        if (!canAccept()) {
            f.complete(GenerationResult.failed(r.requestId(), config.profile(), new EngineException(
                    ErrorCode.OVERLOADED, config.maxWaiting() + " requests are already waiting: retry later")));
            return f;
        }
        pending.incrementAndGet();
        incoming.add(new Submission(r, listener, f, core.now()));
        return f;
    }

    // Called holding this object's lock, once per submit or submitAll.
    private void wake() {
        if (loop == null) {
            loop = Thread.ofPlatform().name("invariant-engine").daemon().start(this::runLoop);
        }
        LockSupport.unpark(loop);
    }

    private synchronized void wakeLoop() {
        wake();
    }

    /** Moves everything submitted so far to the engine thread's own queue: a submitAll arrives whole or not at all. */
    private synchronized boolean takeIncoming() {
        taken.addAll(incoming);
        incoming.clear();
        return closing;
    }

    private void runLoop() {
        while (true) {
            Pass p;
            stepper.lock();
            try {
                p = pass();
            } finally {
                stepper.unlock();
            }
            if (p == Pass.CLOSED) return;
            if (p == Pass.IDLE) LockSupport.parkNanos(50_000_000L);
        }
    }

    private enum Pass { STEPPED, IDLE, CLOSED }

    /** Takes what was submitted, admits what fits and runs one step if there is work. Holding stepper. */
    private Pass pass() {
        boolean closed = takeIncoming();
        for (var it = taken.iterator(); it.hasNext(); ) {
            if (it.next().future().isCancelled()) { // cancelled before it was admitted: nothing to free
                it.remove();
                pending.decrementAndGet();
            }
        }
        Submission s;
        while (core.canAdmit() && (s = taken.poll()) != null) {
            Submission sub = s;
            core.add(sub.request(), sub.listener(), res -> {
                pending.decrementAndGet();
                sub.future().complete(res); // a no-op once cancelled
            }, sub.future()::isCancelled, sub.submittedAt());
        }
        if (core.hasWork()) {
            core.step();
            return Pass.STEPPED;
        }
        // closing was read with the incoming queue emptied under the lock: nothing can be queued after it
        return closed && taken.isEmpty() ? Pass.CLOSED : Pass.IDLE;
    }

    /** Progress of a workload: called after every step on the caller's thread. */
    public interface Progress {
        void update(int finished, int total, long generatedTokens);
    }

    /**
     * Runs every request as one continuously batched workload on the caller's thread: all are admitted together
     * (as far as the waiting queue allows) so they share steps. Results come back in request order.
     */
    public List<GenerationResult> generateAll(List<Request> requests, Progress progress) {
        GenerationResult[] results = new GenerationResult[requests.size()];
        int[] finished = {0};
        long[] tokens = {0};
        TokenListener counter = (id, pos, tok, delta) -> tokens[0]++;
        int next = 0;
        while (next < requests.size() || core.hasWork()) {
            for (; next < requests.size() && core.canAdmit(); next++) {
                int slot = next;
                core.add(requests.get(slot), counter, res -> {
                    results[slot] = res;
                    finished[0]++;
                });
            }
            if (core.hasWork()) core.step();
            progress.update(finished[0], requests.size(), tokens[0]);
        }
        return List.of(results);
    }

    /** Stops accepting work, lets running and queued requests finish, then releases the backend. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closing = true;
            wake(); // a loop to join even if every step so far ran on a submitting thread
            t = loop;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        core.close();
    }
}
