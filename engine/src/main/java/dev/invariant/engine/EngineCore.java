package dev.invariant.engine;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.LogitsObserver;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.StepOutput;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.RopeScaling;
import dev.invariant.engine.sample.GreedyChoice;
import dev.invariant.engine.schedule.ScheduledBatch;
import dev.invariant.engine.schedule.Scheduler;
import dev.invariant.engine.schedule.SchedulerConfig;
import dev.invariant.engine.text.Tokenizer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The engine loop, single-threaded and driven by {@link #step()}: schedule → run → postprocess.
 * Requests join and leave at every step (continuous batching). Nothing here can change a request's bits:
 * the backend's arithmetic per sequence is batch-invariant and sampling is keyed by (seed, position).
 */
public final class EngineCore implements AutoCloseable {
    /**
     * false: every row a request samples from comes back from the backend, greedy or not (to compare; the tokens are
     * the same). Default true: greedy rows are scanned where the logits are
     * ({@link dev.invariant.engine.sample.Sampler#argmaxOnly}).
     */
    public static final String GREEDY_ON_BACKEND = "invariant.greedy-on-backend";
    private static final LogitsObserver NO_OBSERVER = (id, pos, logits) -> { };
    private final Model model;
    private final Tokenizer tokenizer;
    private final Backend backend;
    private final Scheduler scheduler;
    private final InFlight requests;
    private final Admission admission;
    private final Postprocess postprocess;
    private final LongSupplier clock;
    private final int contextLength;
    private LogitsObserver observer = NO_OBSERVER;
    private final boolean greedyOnBackend = !"false".equals(System.getProperty(GREEDY_ON_BACKEND));
    private long preemptions;

    public EngineCore(Model model, Tokenizer tokenizer, Backend backend, EngineConfig config, LongSupplier clock) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.clock = clock;
        this.contextLength = contextLength(model, config);
        KvCacheDtype kv = config.kvCacheDtype().storage();
        if (backend.kvCacheDtype() != kv) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "the " + backend.describe() + " backend stores its KV"
                    + " cache as " + backend.kvCacheDtype().wireName() + ", not " + kv.wireName()
                    + ": use --kv-cache-dtype auto, or the cpu backend, which stores any of auto, fp32, bf16, fp8_e4m3, fp8_e5m2");
        }
        this.scheduler = new Scheduler(new SchedulerConfig(config.maxNumSeqs(), config.maxTokensPerStep(),
                config.prefillChunk(), config.maxWaiting(), backend.numBlocks(), backend.blockSize(),
                config.prefixCaching()));
        this.requests = new InFlight(scheduler, backend);
        this.admission = new Admission(scheduler, requests, tokenizer, PreparedRequest.eosIds(model, tokenizer), backend,
                contextLength);
        this.postprocess = new Postprocess(requests, backend, contextLength);
    }

    public Model model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** max_model_len, or the model's max_position_embeddings when it is 0; more than the model's is refused. */
    static int contextLength(Model model, EngineConfig config) {
        int modelMax = model.config().maxPositionEmbeddings();
        if (config.maxModelLen() > modelMax) {
            String why = model.config().ropeScaling().type() == RopeScaling.Type.LONGROPE ? "its longrope"
                    + " original_max_position_embeddings " + modelMax + ", the longest sequence its short factors"
                    + " serve" : "max_position_embeddings " + modelMax;
            throw EngineException.invalid("max_model_len", "max_model_len " + config.maxModelLen() + " is larger than"
                    + " this model's context length (" + why + "): give at most " + modelMax);
        }
        return config.maxModelLen() > 0 ? config.maxModelLen() : modelMax;
    }

    /** The context length requests are held to: max_model_len, or the model's max_position_embeddings. */
    public int contextLength() {
        return contextLength;
    }

    public Backend backend() {
        return backend;
    }

    public String backendDescription() {
        return backend.describe();
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public void setLogitsObserver(LogitsObserver o) {
        observer = o;
    }

    /** This core's clock (nanoseconds), which request timings are measured with; any thread may read it. */
    public long now() {
        return clock.getAsLong();
    }

    /** Whether a new request would be queued now (the waiting queue is bounded). */
    public boolean canAdmit() {
        return scheduler.canAdmit();
    }

    public boolean hasWork() {
        return requests.hasWork();
    }

    public int numRunning() {
        return scheduler.numRunning();
    }

    /** Sequences preempted (their KV dropped, to be recomputed) since the engine started. */
    public long preemptions() {
        return preemptions;
    }

    /** Tokens chosen from a backend's {@link GreedyChoice} (no logits row copied) since the engine started. */
    public long greedyChoices() {
        return postprocess.greedyChoices();
    }

    public int numWaiting() {
        return scheduler.numWaiting();
    }

    /** Validates and tokenises without admitting: the fingerprint a request would get, or its error. */
    public PreparedRequest prepare(Request r) {
        return PreparedRequest.prepare(r, model, tokenizer, backend.profile(), backend.kvCacheDtype(), contextLength);
    }

    /**
     * The fingerprint {@code r} would get from an engine like this one whose KV cache stored {@code kv}: which cache
     * made a completion can be read off its fingerprint (field 5) by trying each.
     */
    public String fingerprintWith(Request r, KvCacheDtype kv) {
        return PreparedRequest.prepare(r, model, tokenizer, backend.profile(), kv, contextLength).fingerprint();
    }

    /**
     * As {@link #fingerprintWith} in the previous encoding ({@link Fingerprint#V2}, without the model configuration
     * digest): a completion whose fingerprint this gives was made by an older build, which is no divergence.
     */
    public String v2FingerprintWith(Request r, KvCacheDtype kv) {
        PreparedRequest p = PreparedRequest.prepare(r, model, tokenizer, backend.profile(), kv, contextLength);
        return Fingerprint.v2(model.weightsDigest(), tokenizer.digest(), backend.profile(), kv, p.promptIds(), p.params());
    }

    /**
     * Admits a request. An invalid request does not enter the engine: {@code sink} receives its error result at once.
     * The sink is called on the thread that runs {@link #step()}.
     */
    public void add(Request r, TokenListener listener, Consumer<GenerationResult> sink) {
        add(r, listener, sink, clock.getAsLong());
    }

    /**
     * {@link #add(Request, TokenListener, Consumer)} for a request that reached the engine at {@code arrived} (this
     * core's clock, {@link #now()}) and waited since for the stepping thread: its queue time counts from then.
     */
    public void add(Request r, TokenListener listener, Consumer<GenerationResult> sink, long arrived) {
        add(r, listener, sink, () -> false, arrived);
    }

    /**
     * {@link #add(Request, TokenListener, Consumer, long)} for a request its caller may abandon: once
     * {@code cancelled} says so, the next step drops it (its sink gets a CANCELLED error) and frees its KV cache.
     */
    public void add(Request r, TokenListener listener, Consumer<GenerationResult> sink, BooleanSupplier cancelled,
                    long arrived) {
        long now = arrived;
        try {
            // prepare() applies the context rule (prompt + max_tokens <= max_model_len); the scheduler then
            // refuses what its KV cache can never hold (KV_CACHE_TOO_SMALL) or has no room to queue (OVERLOADED).
            admission.admit(prepare(r), listener, sink, cancelled, now);
        } catch (EngineException e) {
            sink.accept(GenerationResult.failed(r.requestId(), backend.profile(), e));
        }
    }

    /** One engine step; returns the number of sequences that ran. */
    public int step() {
        long now = clock.getAsLong();
        requests.dropAbandoned();
        // schedule
        ScheduledBatch batch = scheduler.schedule();
        preemptions += batch.preempted().size();
        if (batch.chunks().isEmpty()) return 0;
        int size = batch.chunks().size();
        requests.onScheduled(batch, now);
        // run
        StepOutput out;
        try {
            out = batch.wantsPromptRows()
                    ? PromptLogprobs.forward(backend, batch, greedyOnly(batch), requests::promptRecord)
                    : backend.forward(batch.seqChunks(), greedyOnly(batch));
        } catch (RuntimeException e) {
            scheduler.onStepFailed(batch);
            requests.failAll(batch, e);
            return size;
        }
        scheduler.onStepDone(batch);
        // postprocess: sample where a chunk reached the end of its sequence
        postprocess.apply(batch, out, observer, clock.getAsLong());
        return size;
    }

    /**
     * Per chunk, whether its row's greedy choice is all the engine needs: its request's token is the argmax alone,
     * it wants no logprobs ({@link ActiveRequest#argmaxOnly()}), it is no beam, and no observer is watching rows.
     */
    private boolean[] greedyOnly(ScheduledBatch batch) {
        boolean[] only = new boolean[batch.chunks().size()];
        if (!greedyOnBackend || observer != NO_OBSERVER) return only;
        for (int i = 0; i < only.length; i++) {
            ActiveRequest a = requests.active(batch.chunks().get(i).seq().seqId());
            only[i] = a != null && a.argmaxOnly();
        }
        return only;
    }

    /** Runs steps until every admitted request has finished. */
    public void runToCompletion() {
        while (hasWork()) step();
    }

    @Override
    public void close() {
        backend.close();
        tokenizer.close();
    }
}
