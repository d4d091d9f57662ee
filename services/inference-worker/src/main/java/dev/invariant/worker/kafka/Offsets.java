package dev.invariant.worker.kafka;

import java.util.TreeSet;

/**
 * One partition's records from the moment they are polled until their outcome is acknowledged by the broker, for
 * one assignment of the partition (a record of an earlier assignment finishing late does not count here). The
 * committable offset never passes a record that is not done, so a crash re-delivers every unfinished request.
 */
final class Offsets {
    private final TreeSet<Long> open = new TreeSet<>();
    private long next = -1;
    private long committed = -1;

    /** A record was polled; records arrive in offset order. */
    synchronized void taken(long offset) {
        open.add(offset);
        next = offset + 1;
    }

    /** The record's outcome was acknowledged (the record was dropped from the backlog counts as not done). */
    synchronized void done(long offset) {
        open.remove(offset);
    }

    /** Whether records of this assignment are polled and not done. */
    synchronized boolean busy() {
        return !open.isEmpty();
    }

    /** The offset to commit (the first record not done), or -1 when it is not past what was committed. */
    synchronized long toCommit() {
        long c = open.isEmpty() ? next : open.first();
        return c > committed ? c : -1;
    }

    synchronized void committed(long offset) {
        committed = Math.max(committed, offset);
    }
}
