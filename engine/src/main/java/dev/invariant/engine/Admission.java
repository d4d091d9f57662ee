package dev.invariant.engine;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.schedule.Scheduler;
import dev.invariant.engine.schedule.SchedulerConfig;
import dev.invariant.engine.schedule.Sequence;
import dev.invariant.engine.text.Tokenizer;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A prepared request into the scheduler's sequences: one for a plain request, n for n samples, the first beam for
 * a beam search. Sequence ids are handed out here, so they follow admission order.
 */
final class Admission {
    private final Scheduler scheduler;
    private final InFlight requests;
    private final Tokenizer tokenizer;
    private final Set<Integer> eosIds;
    private final Backend backend;
    private final int contextLength;
    private long nextSeqId;

    Admission(Scheduler scheduler, InFlight requests, Tokenizer tokenizer, Set<Integer> eosIds, Backend backend,
              int contextLength) {
        this.scheduler = scheduler;
        this.requests = requests;
        this.tokenizer = tokenizer;
        this.eosIds = eosIds;
        this.backend = backend;
        this.contextLength = contextLength;
    }

    /**
     * Queues {@code p}; throws what the scheduler refuses (KV_CACHE_TOO_SMALL, OVERLOADED). Once {@code cancelled}
     * says so, the request is dropped at the next step.
     */
    void admit(PreparedRequest p, TokenListener listener, Consumer<GenerationResult> sink, BooleanSupplier cancelled,
               long now) {
        if (p.params().useBeamSearch()) {
            addBeams(p, listener, sink, cancelled, now);
            return;
        }
        if (p.params().n() > 1) {
            addSamples(p, listener, sink, cancelled, now);
            return;
        }
        Sequence seq = new Sequence(nextSeqId++, p.promptIds(), p.params().maxTokens(), p.request().wantsPromptLogprobs());
        scheduler.add(seq);
        requests.add(new ActiveRequest(p, seq, tokenizer, eosIds, listener, sink, cancelled, now));
    }

    /**
     * n samples of one prompt, each a sequence of its own ({@link ParallelSamples}); sample i's tokens go to
     * {@code listener.forSample(i)}. A sample the scheduler refuses fails the request, once the samples already
     * admitted are done.
     */
    private void addSamples(PreparedRequest p, TokenListener listener, Consumer<GenerationResult> sink,
                            BooleanSupplier cancelled, long now) {
        ParallelSamples samples = new ParallelSamples(p, sink);
        for (int i = 0; i < samples.n(); i++) {
            PreparedRequest c = samples.child(i);
            try {
                Sequence seq = new Sequence(nextSeqId++, c.promptIds(), c.params().maxTokens(),
                        c.request().wantsPromptLogprobs());
                scheduler.add(seq);
                requests.add(new ActiveRequest(c, seq, tokenizer, eosIds, listener.forSample(i),
                        samples.sinkOf(i), cancelled, now));
            } catch (EngineException e) {
                for (int j = i; j < samples.n(); j++) {
                    samples.sinkOf(j).accept(GenerationResult.failed(p.request().requestId(), backend.profile(), e));
                }
                return;
            }
        }
    }

    private void addBeams(PreparedRequest p, TokenListener listener, Consumer<GenerationResult> sink,
                          BooleanSupplier cancelled, long now) {
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
                () -> nextSeqId++, listener, sink, cancelled, now);
        Sequence first = b.sequences().getFirst();
        scheduler.add(first);
        requests.addBeam(first, b);
    }
}
