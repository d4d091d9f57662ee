package dev.invariant.engine.kv;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * A fixed pool of KV blocks (ids {@code 0 .. numBlocks-1}) shared by all sequences: who holds which block,
 * and, with prefix caching, which full blocks can be reused.
 *
 * <p>Prefix caching: once a full block's KV is computed it is registered under its {@link BlockHash} (chained over
 * the whole prefix). A new sequence takes, read-only and ref-counted, the cached blocks of its longest cached prefix
 * of full blocks. A block whose last holder lets go stays cached and reusable until a fresh block is needed: fresh
 * blocks come first from never-cached free blocks, then by evicting the least recently released cached one.
 * A block that some table holds is never evicted. Reuse cannot change bits: a token's KV depends only on the
 * tokens before it, which the chained hash pins down.
 *
 * <p>Not thread-safe: the scheduler that owns it serialises access.
 */
public final class BlockManager {
    private final int blockSize;
    private final boolean prefixCaching;
    private final KvBlock[] blocks;
    /**
     * Free blocks with no cached content, the most recently freed first: a request then writes the KV rows the one
     * before it wrote, still in the CPU's caches, not the pool's coldest block.
     */
    private final ArrayDeque<Integer> freeUncached = new ArrayDeque<>();
    /** Free blocks still in the prefix cache, least recently released first (the eviction order). */
    private final LinkedHashSet<Integer> freeCached = new LinkedHashSet<>();
    private final Map<BlockHash, Integer> cache = new HashMap<>();
    private long prefixCacheHits;
    private long prefixCacheQueries;

    public BlockManager(int numBlocks, int blockSize, boolean prefixCaching) {
        if (numBlocks < 1) throw invalid("numBlocks must be >= 1, got " + numBlocks);
        if (blockSize < 1) throw invalid("blockSize must be >= 1, got " + blockSize);
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
        this.blocks = new KvBlock[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            blocks[i] = new KvBlock(i);
            freeUncached.add(i);
        }
    }

    private static EngineException invalid(String message) {
        return new EngineException(ErrorCode.INVALID_PARAM, message + "; fix the KV cache configuration");
    }

    public int blockSize() {
        return blockSize;
    }

    public int numBlocks() {
        return blocks.length;
    }

    public boolean prefixCaching() {
        return prefixCaching;
    }

    /** Blocks no table holds, cached ones included (they are evicted on demand). */
    public int numFreeBlocks() {
        return freeUncached.size() + freeCached.size();
    }

    /** Fraction of blocks held by some sequence, in [0, 1] (vLLM's kv_cache_usage_perc). */
    public double usage() {
        return 1.0 - (double) numFreeBlocks() / blocks.length;
    }

    /** Blocks registered in the prefix cache, held or free. */
    public int numCachedBlocks() {
        return cache.size();
    }

    /** Tables holding block {@code blockId}. */
    public int refCount(int blockId) {
        return blocks[blockId].refCount;
    }

    /** Prompt tokens found in the cache at admission, summed over admissions (vLLM's prefix_cache_hits). */
    public long prefixCacheHits() {
        return prefixCacheHits;
    }

    /** Tokens looked up at admission, summed over admissions (vLLM's prefix_cache_queries). */
    public long prefixCacheQueries() {
        return prefixCacheQueries;
    }

    /** Blocks that hold {@code numTokens} positions. */
    public int blocksFor(int numTokens) {
        return Math.ceilDiv(numTokens, blockSize);
    }

    /** Whether a sequence of {@code totalTokens} positions fits the pool when it runs alone. */
    public boolean fits(int totalTokens) {
        return totalTokens >= 0 && blocksFor(totalTokens) <= blocks.length;
    }

    /**
     * The cached blocks for the longest cached prefix of full blocks of {@code tokens[0 .. numTokens)}, leaving at
     * least one token uncovered so the sequence still computes logits. Changes no state.
     */
    public PrefixMatch findCachedPrefix(BlockTable table, int[] tokens, int numTokens) {
        if (!prefixCaching || numTokens < 1) return PrefixMatch.none(numTokens);
        int maxBlocks = (numTokens - 1) / blockSize;
        int[] ids = new int[maxBlocks];
        int n = 0;
        int revived = 0;
        while (n < maxBlocks) {
            Integer id = cache.get(table.hashOf(n, tokens, blockSize));
            if (id == null) break;
            if (blocks[id].refCount == 0) revived++;
            ids[n++] = id;
        }
        return new PrefixMatch(Arrays.copyOf(ids, n), revived, numTokens);
    }

    /** Whether {@link #allocate} can give an empty table the match plus fresh blocks up to {@code totalBlocks}. */
    public boolean canAllocate(PrefixMatch match, int totalBlocks) {
        return totalBlocks - match.numBlocks() + match.numRevived() <= numFreeBlocks();
    }

    /** Gives an empty table the matched cached blocks, then fresh blocks up to {@code totalBlocks}. */
    public void allocate(BlockTable table, PrefixMatch match, int totalBlocks) {
        if (table.size() != 0) throw new IllegalStateException("allocate needs an empty block table");
        if (totalBlocks < match.numBlocks()) throw new IllegalArgumentException("totalBlocks below the match");
        if (!canAllocate(match, totalBlocks)) throw new IllegalStateException("not enough free KV blocks");
        for (int id : match.blockIds()) {
            KvBlock b = blocks[id];
            if (b.refCount == 0 && !freeCached.remove(id)) throw new IllegalStateException("stale prefix match");
            b.refCount++;
            table.add(id);
        }
        table.setNumPublished(match.numBlocks());
        for (int i = match.numBlocks(); i < totalBlocks; i++) table.add(takeFresh());
        if (prefixCaching) {
            prefixCacheQueries += match.queriedTokens();
            prefixCacheHits += (long) match.numBlocks() * blockSize;
        }
    }

    /** Whether the table can be grown to hold {@code numTokens} positions. */
    public boolean canGrow(BlockTable table, int numTokens) {
        return blocksFor(numTokens) - table.size() <= numFreeBlocks();
    }

    /** Appends fresh blocks until the table holds {@code numTokens} positions. */
    public void grow(BlockTable table, int numTokens) {
        if (!canGrow(table, numTokens)) throw new IllegalStateException("not enough free KV blocks");
        while (table.size() < blocksFor(numTokens)) table.add(takeFresh());
    }

    private int takeFresh() {
        Integer id = freeUncached.poll();
        if (id == null) {
            Iterator<Integer> lru = freeCached.iterator();
            id = lru.next();
            lru.remove();
            KvBlock evicted = blocks[id];
            cache.remove(evicted.hash);
            evicted.hash = null;
        }
        blocks[id].refCount = 1;
        return id;
    }

    /**
     * Registers the table's full blocks whose KV is now computed (positions below {@code numComputedTokens}).
     * When another block already holds the same hash (two sequences computed the same prefix at once), that one
     * stays the cached copy and this block stays private.
     */
    public void publish(BlockTable table, int[] tokens, int numComputedTokens) {
        int full = numComputedTokens / blockSize;
        if (full > table.size()) throw new IllegalStateException("computed tokens beyond the block table");
        if (!prefixCaching) return;
        for (int i = table.numPublished(); i < full; i++) {
            BlockHash h = table.hashOf(i, tokens, blockSize);
            int id = table.blockId(i);
            if (blocks[id].hash == null && cache.putIfAbsent(h, id) == null) blocks[id].hash = h;
        }
        if (full > table.numPublished()) table.setNumPublished(full);
    }

    /**
     * Lets go of all the table's blocks, last block first, so that of one sequence's cached blocks the deeper
     * ones are evicted before the prefix they extend. The table's hash chain is kept.
     */
    public void release(BlockTable table) {
        for (int i = table.size() - 1; i >= 0; i--) {
            int id = table.blockId(i);
            KvBlock b = blocks[id];
            if (b.refCount <= 0) throw new IllegalStateException("block " + id + " released twice");
            if (--b.refCount == 0) {
                if (b.hash != null) freeCached.add(id);
                else freeUncached.push(id);
            }
        }
        table.clear();
    }
}
