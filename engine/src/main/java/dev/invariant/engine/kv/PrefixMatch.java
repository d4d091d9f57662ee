package dev.invariant.engine.kv;

/**
 * The cached full blocks a sequence can reuse at admission, found by {@link BlockManager#findCachedPrefix}.
 * Valid only until the block manager's state next changes.
 *
 * @param blockIds      the cached blocks for the sequence's leading full blocks, in order
 * @param numRevived    how many of them are free (cached but unreferenced): reusing them takes them from the free pool
 * @param queriedTokens the sequence's token count at the lookup, for the hit-rate counters
 */
public record PrefixMatch(int[] blockIds, int numRevived, int queriedTokens) {

    public static PrefixMatch none(int queriedTokens) {
        return new PrefixMatch(new int[0], 0, queriedTokens);
    }

    public int numBlocks() {
        return blockIds.length;
    }
}
