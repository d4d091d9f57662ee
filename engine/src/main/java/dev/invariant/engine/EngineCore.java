package dev.invariant.engine;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.LogitsObserver;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.StepOutput;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.sample.GreedyChoice;
import dev.invariant.engine.sample.Logprobs;
import dev.invariant.engine.schedule.ScheduledBatch;
import dev.invariant.engine.schedule.ScheduledChunk;
import dev.invariant.engine.schedule.Scheduler;
import dev.invariant.engine.schedule.SchedulerConfig;
import dev.invariant.engine.schedule.Sequence;
import dev.invariant.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private final Set<Integer> eosIds;
    private final Map<Long, ActiveRequest> active = new HashMap<>();
    /** Beam searches by the id of each sequence now computing one of their beams. */
    private final Map<Long, BeamRequest> beams = new HashMap<>();
    private final LongSupplier clock;
    private final int contextLength;
    private LogitsObserver observer = NO_OBSERVER;
    private final boolean greedyOnBackend = !"false".equals(System.getProperty(GREEDY_ON_BACKEND));
    private long nextSeqId;
    private long preemptions;
    private long greedyChoices;

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
        Set<Integer> eos = new HashSet<>(model.config().eosTokenIds());
        eos.addAll(tokenizer.eosTokenIds());
        this.eosIds = Set.copyOf(eos);
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
            String why = model.config().slidingWindow() > 0 ? "its sliding_window " + modelMax + ", the longest"
                    + " sequence full attention computes exactly" : "max_position_embeddings " + modelMax;
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
        return !active.isEmpty() || !beams.isEmpty();
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
        return greedyChoices;
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
        long now = arrived;
        try {
            // prepare() applies the context rule (prompt + max_tokens <= max_model_len); the scheduler then
            // refuses what its KV cache can never hold (KV_CACHE_TOO_SMALL) or has no room to queue (OVERLOADED).
            PreparedRequest p = prepare(r);
            if (p.params().useBeamSearch()) {
                addBeams(p, listener, sink, now);
                return;
            }
            if (p.params().n() > 1) {
                addSamples(p, listener, sink, now);
                return;
            }
            Sequence seq = new Sequence(nextSeqId++, p.promptIds(), p.params().maxTokens(), r.wantsPromptLogprobs());
            scheduler.add(seq);
            active.put(seq.seqId(), new ActiveRequest(p, seq, tokenizer, eosIds, listener, sink, now));
        } catch (EngineException e) {
            sink.accept(GenerationResult.failed(r.requestId(), backend.profile(), e));
        }
    }

    /**
     * n samples of one prompt, each a sequence of its own ({@link ParallelSamples}); sample i's tokens go to
     * {@code listener.forSample(i)}. A sample the scheduler refuses fails the request, once the samples already
     * admitted are done.
     */
    private void addSamples(PreparedRequest p, TokenListener listener, Consumer<GenerationResult> sink, long now) {
        ParallelSamples samples = new ParallelSamples(p, sink);
        for (int i = 0; i < samples.n(); i++) {
            PreparedRequest c = samples.child(i);
            try {
                Sequence seq = new Sequence(nextSeqId++, c.promptIds(), c.params().maxTokens(),
                        c.request().wantsPromptLogprobs());
                scheduler.add(seq);
                active.put(seq.seqId(), new ActiveRequest(c, seq, tokenizer, eosIds, listener.forSample(i),
                        samples.sinkOf(i), now));
            } catch (EngineException e) {
                for (int j = i; j < samples.n(); j++) {
                    samples.sinkOf(j).accept(GenerationResult.failed(p.request().requestId(), backend.profile(), e));
                }
                return;
            }
        }
    }

    private void addBeams(PreparedRequest p, TokenListener listener, Consumer<GenerationResult> sink, long now) {
        int width = p.params().beamWidth();
        SchedulerConfig sc = scheduler.config();
        long total = (long) p.promptIds().length + p.params().maxTokens();
        if (width > sc.maxNumSeqs() || width * (long) scheduler.blockManager().blocksFor((int) total) > sc.numBlocks()) {
            throw new EngineException(ErrorCode.KV_CACHE_TOO_SMALL, "best_of", "a beam search of width " + width
                    + " needs " + width + " sequences of up to " + total + " positions at once; this engine runs "
                    + sc.maxNumSeqs() + " sequences and " + sc.numBlocks() * (long) sc.blockSize()
                    + " KV positions: lower best_of or max_tokens, or run the engine with more");
        }
        BeamRequest b = new BeamRequest(p, tokenizer, eosIds, contextLength,
                () -> nextSeqId++, listener, sink, now);
        Sequence first = b.sequences().getFirst();
        scheduler.add(first);
        beams.put(first.seqId(), b);
    }

    /** One engine step; returns the number of sequences that ran. */
    public int step() {
        long now = clock.getAsLong();
        expireDeadlines();
        // schedule
        ScheduledBatch batch = scheduler.schedule();
        preemptions += batch.preempted().size();
        if (batch.chunks().isEmpty()) return 0;
        int size = batch.chunks().size();
        for (ScheduledChunk c : batch.chunks()) {
            long id = c.seq().seqId();
            if (beams.containsKey(id)) beams.get(id).onScheduled(size, now);
            else active.get(id).onScheduled(size, now);
        }
        // run
        StepOutput out;
        try {
            out = batch.wantsPromptRows() ? PromptLogprobs.forward(backend, batch, greedyOnly(batch), this::promptRecord)
                    : backend.forward(batch.seqChunks(), greedyOnly(batch));
        } catch (RuntimeException e) {
            // A failed step loses no request silently: every request in it gets an error result.
            scheduler.onStepFailed(batch);
            for (ScheduledChunk c : batch.chunks()) {
                long id = c.seq().seqId();
                if (beams.containsKey(id)) failBeams(beams.get(id), internal(e));
                else fail(active.get(id), internal(e));
            }
            return size;
        }
        scheduler.onStepDone(batch);
        // postprocess: sample where a chunk reached the end of its sequence
        long done = clock.getAsLong();
        for (int i = 0; i < size; i++) {
            float[] row = out.logits()[i];
            GreedyChoice choice = out.greedy()[i];
            if (row == null && choice == null) continue;
            Sequence seq = batch.chunks().get(i).seq();
            if (beams.containsKey(seq.seqId())) {
                stepBeams(beams.get(seq.seqId()), seq, row, done);
                continue;
            }
            ActiveRequest a = active.get(batch.chunks().get(i).seq().seqId());
            try {
                if (choice != null) greedyChoices++;
                int token = a.nextToken(row, choice, observer);
                Request r = a.prepared.request();
                TokenLogprob lp = r.wantsLogprobs() ? Logprobs.of(row, token, r.logprobs()) : null;
                if (a.accept(token, lp, contextLength, done)) complete(a, done);
            } catch (EngineException e) {
                fail(a, e);
            } catch (RuntimeException e) {
                fail(a, internal(e));
            }
        }
        return size;
    }

    /**
     * Per chunk, whether its row's greedy choice is all the engine needs: its request's token is the argmax alone,
     * it wants no logprobs ({@link ActiveRequest#argmaxOnly}), it is no beam, and no observer is watching rows.
     */
    private boolean[] greedyOnly(ScheduledBatch batch) {
        boolean[] only = new boolean[batch.chunks().size()];
        if (!greedyOnBackend || observer != NO_OBSERVER) return only;
        for (int i = 0; i < only.length; i++) {
            ActiveRequest a = active.get(batch.chunks().get(i).seq().seqId());
            only[i] = a != null && a.argmaxOnly;
        }
        return only;
    }

    /** Where a sequence's prompt rows go: its request's record, null when it wants none. */
    private PromptLogprobs promptRecord(long seqId) {
        ActiveRequest a = active.get(seqId);
        return a != null ? a.promptLogprobs : beams.containsKey(seqId) ? beams.get(seqId).promptLogprobs : null;
    }

    /** A beam's logits arrived: its sequence is done; the search continues with new ones or completes. */
    private void stepBeams(BeamRequest b, Sequence seq, float[] logits, long now) {
        try {
            observer.onLogits(b.requestId(), seq.numTokens() - b.prepared.promptIds().length, logits);
            List<Sequence> next = b.onLogits(seq, logits, now);
            beams.remove(seq.seqId());
            scheduler.finish(seq);
            scheduler.continueWith(next);
            for (Sequence s : next) beams.put(s.seqId(), b);
            if (b.done()) b.sink.accept(b.result(backend.profile(), now));
        } catch (EngineException e) {
            failBeams(b, e);
        } catch (RuntimeException e) {
            failBeams(b, internal(e));
        }
    }

    private void failBeams(BeamRequest b, EngineException e) {
        if (!beams.containsValue(b)) return; // failed already in this step
        for (Sequence s : b.sequences()) {
            if (beams.remove(s.seqId()) != null) scheduler.finish(s);
        }
        beams.values().removeIf(x -> x == b);
        b.sink.accept(b.failed(backend.profile(), e));
    }

    private static EngineException internal(RuntimeException e) {
        return e instanceof EngineException ee ? ee : new EngineException(ErrorCode.INTERNAL, e.toString(), e);
    }

    private void fail(ActiveRequest a, EngineException e) {
        scheduler.finish(a.seq);
        active.remove(a.seq.seqId());
        a.sink.accept(a.failed(backend.profile(), e));
    }

    /** Runs steps until every admitted request has finished. */
    public void runToCompletion() {
        while (hasWork()) step();
    }

    private void complete(ActiveRequest a, long now) {
        scheduler.finish(a.seq);
        active.remove(a.seq.seqId());
        a.sink.accept(a.result(backend.profile(), now));
    }

    private void expireDeadlines() {
        long wall = System.currentTimeMillis();
        List<ActiveRequest> expired = new ArrayList<>();
        for (ActiveRequest a : active.values()) {
            long deadline = a.prepared.request().deadlineMs();
            if (deadline > 0 && wall > deadline) expired.add(a);
        }
        for (ActiveRequest a : expired) {
            fail(a, new EngineException(ErrorCode.DEADLINE_EXCEEDED, "the request's deadline passed before it finished"));
        }
        for (BeamRequest b : Set.copyOf(beams.values())) {
            long deadline = b.prepared.request().deadlineMs();
            if (deadline > 0 && wall > deadline) {
                failBeams(b, new EngineException(ErrorCode.DEADLINE_EXCEEDED, "the request's deadline passed before it finished"));
            }
        }
    }

    @Override
    public void close() {
        backend.close();
        tokenizer.close();
    }
}
