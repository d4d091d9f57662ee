package dev.invariant.engine.schedule;

/** Where a sequence is in the scheduler. */
public enum SequenceStatus {
    /** Queued for admission: new, or preempted and waiting to recompute. */
    WAITING,
    /** Holds KV blocks and is scheduled every step it has tokens to compute. */
    RUNNING,
    /** Done; its blocks are released. */
    FINISHED
}
