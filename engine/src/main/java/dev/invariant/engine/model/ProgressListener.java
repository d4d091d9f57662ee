package dev.invariant.engine.model;

/**
 * Receives progress of long model work (downloads, weight generation, digests). Called from the
 * working thread; implementations should return quickly.
 */
@FunctionalInterface
public interface ProgressListener {

    /** Says nothing. */
    ProgressListener NONE = (task, done, total) -> { };

    /**
     * @param task  what is being done, e.g. "download model.safetensors" or "digest synthetic:tiny"
     * @param done  units done so far (bytes or elements)
     * @param total units in all, or -1 when unknown
     */
    void progress(String task, long done, long total);
}
