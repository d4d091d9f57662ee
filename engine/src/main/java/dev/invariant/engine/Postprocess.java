package dev.invariant.engine;

import dev.invariant.engine.api.LogitsObserver;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.StepOutput;
import dev.invariant.engine.sample.GreedyChoice;
import dev.invariant.engine.sample.Logprobs;
import dev.invariant.engine.schedule.ScheduledBatch;
import dev.invariant.engine.schedule.Sequence;
import java.util.List;

/**
 * A step's output into each request's next token: sampled (or the backend's greedy choice) where a chunk reached
 * the end of its sequence, a beam search advanced; requests that finish or fail leave {@link InFlight}.
 */
final class Postprocess {
    private final InFlight requests;
    private final Backend backend;
    private final int contextLength;
    private long greedyChoices;

    Postprocess(InFlight requests, Backend backend, int contextLength) {
        this.requests = requests;
        this.backend = backend;
        this.contextLength = contextLength;
    }

    /** Tokens chosen from a backend's {@link GreedyChoice} (no logits row copied) so far. */
    long greedyChoices() {
        return greedyChoices;
    }

    /** Row i of {@code out} belongs to chunk i of {@code batch}; {@code done} is when the step's output arrived. */
    void apply(ScheduledBatch batch, StepOutput out, LogitsObserver observer, long done) {
        int size = batch.chunks().size();
        for (int i = 0; i < size; i++) {
            float[] row = out.logits()[i];
            GreedyChoice choice = out.greedy()[i];
            if (row == null && choice == null) continue;
            Sequence seq = batch.chunks().get(i).seq();
            if (requests.beam(seq.seqId()) != null) {
                stepBeams(requests.beam(seq.seqId()), seq, row, observer, done);
                continue;
            }
            ActiveRequest a = requests.active(batch.chunks().get(i).seq().seqId());
            try {
                if (choice != null) greedyChoices++;
                int token = a.nextToken(row, choice, observer);
                Request r = a.prepared.request();
                TokenLogprob lp = r.wantsLogprobs() ? Logprobs.of(row, token, r.logprobs()) : null;
                if (a.accept(token, lp, contextLength, done)) requests.complete(a, done);
            } catch (EngineException e) {
                requests.fail(a, e);
            } catch (RuntimeException e) {
                requests.fail(a, InFlight.internal(e));
            }
        }
    }

    /** A beam's logits arrived: its sequence is done; the search continues with new ones or completes. */
    private void stepBeams(BeamRequest b, Sequence seq, float[] logits, LogitsObserver observer, long now) {
        try {
            observer.onLogits(b.requestId(), seq.numTokens() - b.prepared.promptIds().length, logits);
            List<Sequence> next = b.onLogits(seq, logits, now);
            requests.continueBeams(b, seq, next);
            if (b.done()) b.sink.accept(b.result(backend.profile(), now));
        } catch (EngineException e) {
            requests.failBeams(b, e);
        } catch (RuntimeException e) {
            requests.failBeams(b, InFlight.internal(e));
        }
    }
}
