package dev.invariant.engine.schedule;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/**
 * Scheduler limits, validated when built.
 *
 * @param maxNumSeqs       sequences running (holding KV) at once
 * @param maxTokensPerStep tokens computed per step over all sequences; at least maxNumSeqs so every running
 *                         sequence can decode in every step
 * @param prefillChunk     most tokens of one sequence's prefill computed in one step
 * @param maxWaiting       sequences that may wait for admission before {@link Scheduler#add} refuses more
 * @param numBlocks        KV blocks in the pool (the backend's)
 * @param blockSize        positions per KV block (the backend's)
 * @param prefixCaching    reuse cached KV blocks of equal prefixes
 */
public record SchedulerConfig(int maxNumSeqs, int maxTokensPerStep, int prefillChunk, int maxWaiting,
                              int numBlocks, int blockSize, boolean prefixCaching) {

    public SchedulerConfig {
        check(maxNumSeqs >= 1, "maxNumSeqs must be >= 1, got " + maxNumSeqs);
        check(maxTokensPerStep >= maxNumSeqs, "maxTokensPerStep must be >= maxNumSeqs (" + maxNumSeqs
                + ") so every running sequence can decode each step, got " + maxTokensPerStep);
        check(prefillChunk >= 1, "prefillChunk must be >= 1, got " + prefillChunk);
        check(maxWaiting >= 1, "maxWaiting must be >= 1, got " + maxWaiting);
        check(numBlocks >= 1, "numBlocks must be >= 1, got " + numBlocks);
        check(blockSize >= 1, "blockSize must be >= 1, got " + blockSize);
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new EngineException(ErrorCode.INVALID_PARAM, message + "; fix the scheduler configuration");
    }
}
