package dev.invariant.engine;

import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.schedule.ScheduledBatch;
import dev.invariant.engine.schedule.ScheduledChunk;
import dev.invariant.engine.schedule.Scheduler;
import dev.invariant.engine.schedule.Sequence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The requests in the engine, by the id of each sequence computing for them, and how each one leaves (completed,
 * failed, expired): every exit finishes its sequences in the scheduler and answers its sink exactly once.
 */
final class InFlight {
    private final Scheduler scheduler;
    private final Backend backend;
    private final Map<Long, ActiveRequest> active = new HashMap<>();
    /** Beam searches by the id of each sequence now computing one of their beams. */
    private final Map<Long, BeamRequest> beams = new HashMap<>();

    InFlight(Scheduler scheduler, Backend backend) {
        this.scheduler = scheduler;
        this.backend = backend;
    }

    boolean hasWork() {
        return !active.isEmpty() || !beams.isEmpty();
    }

    void add(ActiveRequest a) {
        active.put(a.seq.seqId(), a);
    }

    void addBeam(Sequence s, BeamRequest b) {
        beams.put(s.seqId(), b);
    }

    /** The plain (or sample) request computing {@code seqId}; null for a beam's sequence. */
    ActiveRequest active(long seqId) {
        return active.get(seqId);
    }

    /** The beam search computing {@code seqId}; null for a plain request's sequence. */
    BeamRequest beam(long seqId) {
        return beams.get(seqId);
    }

    void onScheduled(ScheduledBatch batch, long now) {
        int size = batch.chunks().size();
        for (ScheduledChunk c : batch.chunks()) {
            long id = c.seq().seqId();
            if (beams.containsKey(id)) beams.get(id).onScheduled(size, now);
            else active.get(id).onScheduled(size, now);
        }
    }

    /** A failed step loses no request silently: every request in it gets an error result. */
    void failAll(ScheduledBatch batch, RuntimeException e) {
        for (ScheduledChunk c : batch.chunks()) {
            long id = c.seq().seqId();
            if (beams.containsKey(id)) failBeams(beams.get(id), internal(e));
            else fail(active.get(id), internal(e));
        }
    }

    /** Where a sequence's prompt rows go: its request's record, null when it wants none. */
    PromptLogprobs promptRecord(long seqId) {
        ActiveRequest a = active.get(seqId);
        return a != null ? a.promptLogprobs : beams.containsKey(seqId) ? beams.get(seqId).promptLogprobs : null;
    }

    /** A beam's sequence is done: the search goes on with {@code next}. */
    void continueBeams(BeamRequest b, Sequence seq, List<Sequence> next) {
        beams.remove(seq.seqId());
        scheduler.finish(seq);
        scheduler.continueWith(next);
        for (Sequence s : next) beams.put(s.seqId(), b);
    }

    void failBeams(BeamRequest b, EngineException e) {
        if (!beams.containsValue(b)) return; // failed already in this step
        for (Sequence s : b.sequences()) {
            if (beams.remove(s.seqId()) != null) scheduler.finish(s);
        }
        beams.values().removeIf(x -> x == b);
        b.sink.accept(b.failed(backend.profile(), e));
    }

    static EngineException internal(RuntimeException e) {
        return e instanceof EngineException ee ? ee : new EngineException(ErrorCode.INTERNAL, e.toString(), e);
    }

    void fail(ActiveRequest a, EngineException e) {
        scheduler.finish(a.seq);
        active.remove(a.seq.seqId());
        a.sink.accept(a.failed(backend.profile(), e));
    }

    void complete(ActiveRequest a, long now) {
        scheduler.finish(a.seq);
        active.remove(a.seq.seqId());
        a.sink.accept(a.result(backend.profile(), now));
    }

    /**
     * Drops, before a step, the requests nobody waits for any more: cancelled by their caller, or past their deadline.
     * Their sequences leave the batch (the others' bits do not depend on it) and their KV blocks are freed.
     */
    void dropAbandoned() {
        long wall = System.currentTimeMillis();
        List<ActiveRequest> dropped = new ArrayList<>();
        for (ActiveRequest a : active.values()) {
            if (a.cancelled.getAsBoolean() || pastDeadline(a.prepared, wall)) dropped.add(a);
        }
        for (ActiveRequest a : dropped) fail(a, abandoned(a.cancelled.getAsBoolean()));
        for (BeamRequest b : Set.copyOf(beams.values())) {
            if (b.cancelled.getAsBoolean() || pastDeadline(b.prepared, wall)) {
                failBeams(b, abandoned(b.cancelled.getAsBoolean()));
            }
        }
    }

    private static boolean pastDeadline(PreparedRequest p, long wall) {
        long deadline = p.request().deadlineMs();
        return deadline > 0 && wall > deadline;
    }

    private static EngineException abandoned(boolean cancelled) {
        return cancelled ? Engine.cancelled()
                : new EngineException(ErrorCode.DEADLINE_EXCEEDED, "the request's deadline passed before it finished");
    }
}
