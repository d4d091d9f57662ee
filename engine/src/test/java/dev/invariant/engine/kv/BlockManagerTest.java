package dev.invariant.engine.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import org.junit.jupiter.api.Test;

class BlockManagerTest {
    private static final int BS = 4;

    /** Admits {@code tokens} the way the scheduler does: cached prefix, then fresh blocks for all of them. */
    private static PrefixMatch admit(BlockManager bm, BlockTable t, int[] tokens) {
        PrefixMatch m = bm.findCachedPrefix(t, tokens, tokens.length);
        bm.allocate(t, m, bm.blocksFor(tokens.length));
        return m;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    @Test
    void rejectsBadSizes() {
        EngineException e = assertThrows(EngineException.class, () -> new BlockManager(0, 4, true));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertThrows(EngineException.class, () -> new BlockManager(4, 0, true));
    }

    @Test
    void allocatesAsTheSequenceGrowsAndAccountsUsage() {
        BlockManager bm = new BlockManager(8, BS, false);
        BlockTable t = new BlockTable();
        bm.allocate(t, PrefixMatch.none(5), bm.blocksFor(5));
        assertEquals(2, t.size());
        assertEquals(6, bm.numFreeBlocks());
        assertEquals(0.25, bm.usage());
        bm.grow(t, 8);
        assertEquals(2, t.size());
        bm.grow(t, 9);
        assertEquals(3, t.size());
        assertFalse(bm.canGrow(t, 8 * BS + 1));
        assertTrue(bm.canGrow(t, 8 * BS));
        bm.release(t);
        assertEquals(0, t.size());
        assertEquals(8, bm.numFreeBlocks());
        assertEquals(0.0, bm.usage());
        assertThrows(IllegalStateException.class, () -> bm.grow(t, 9 * BS));
    }

    @Test
    void fitsCountsWholeBlocks() {
        BlockManager bm = new BlockManager(3, BS, true);
        assertTrue(bm.fits(12));
        assertFalse(bm.fits(13));
    }

    @Test
    void sharedPrefixBlocksAreRefCountedAndReadOnly() {
        BlockManager bm = new BlockManager(16, BS, true);
        int[] a = range(0, 10); // blocks [0..3] [4..7] [8,9]
        BlockTable ta = new BlockTable();
        admit(bm, ta, a);
        bm.publish(ta, a, 10);
        assertEquals(2, bm.numCachedBlocks(), "only full computed blocks are published");

        int[] b = {0, 1, 2, 3, 4, 5, 6, 7, 42, 43, 44};
        BlockTable tb = new BlockTable();
        PrefixMatch m = admit(bm, tb, b);
        assertEquals(2, m.numBlocks());
        assertEquals(0, m.numRevived());
        assertEquals(ta.blockId(0), tb.blockId(0));
        assertEquals(ta.blockId(1), tb.blockId(1));
        assertTrue(ta.blockId(2) != tb.blockId(2), "a partial block is never shared");
        assertEquals(2, bm.refCount(ta.blockId(0)));
        assertEquals(2, bm.refCount(ta.blockId(1)));
        assertEquals(1, bm.refCount(ta.blockId(2)));
        assertEquals(10 + 11, bm.prefixCacheQueries());
        assertEquals(8, bm.prefixCacheHits());
        assertEquals(16 - 3 - 1, bm.numFreeBlocks());

        bm.release(ta);
        assertEquals(1, bm.refCount(tb.blockId(0)));
        bm.release(tb);
        assertEquals(16, bm.numFreeBlocks());
        assertEquals(2, bm.numCachedBlocks(), "freed cached blocks stay reusable");
    }

    @Test
    void atLeastOneTokenIsLeftToCompute() {
        BlockManager bm = new BlockManager(16, BS, true);
        int[] a = range(0, 8);
        BlockTable ta = new BlockTable();
        admit(bm, ta, a);
        bm.publish(ta, a, 8);
        BlockTable tb = new BlockTable();
        PrefixMatch m = bm.findCachedPrefix(tb, a, 8);
        assertEquals(1, m.numBlocks(), "8 tokens in 2 full blocks: only the first may be reused");
        assertEquals(2, bm.findCachedPrefix(new BlockTable(), range(0, 9), 9).numBlocks());
    }

    @Test
    void freedCachedBlocksAreRevivedWithoutRecompute() {
        BlockManager bm = new BlockManager(4, BS, true);
        int[] a = range(0, 9);
        BlockTable ta = new BlockTable();
        admit(bm, ta, a);
        bm.publish(ta, a, 9);
        int[] cachedIds = {ta.blockId(0), ta.blockId(1)};
        bm.release(ta);
        BlockTable tb = new BlockTable();
        PrefixMatch m = bm.findCachedPrefix(tb, a, 9);
        assertEquals(2, m.numRevived());
        assertTrue(bm.canAllocate(m, 3));
        bm.allocate(tb, m, 3);
        assertArrayEquals(cachedIds, new int[] {tb.blockId(0), tb.blockId(1)});
        assertEquals(1, bm.numFreeBlocks());
    }

    @Test
    void aFreshBlockIsTheUncachedOneFreedLast() {
        BlockManager bm = new BlockManager(16, BS, false);
        BlockTable ta = new BlockTable(), tb = new BlockTable();
        admit(bm, ta, range(0, 6));
        admit(bm, tb, range(0, 2));
        int[] aIds = ta.toArray();
        bm.release(ta);
        // not the pool's coldest block: the one just written, a's first first
        BlockTable t = new BlockTable();
        admit(bm, t, range(0, 6));
        assertArrayEquals(aIds, t.toArray());
        int[] bIds = tb.toArray();
        bm.release(tb);
        BlockTable u = new BlockTable();
        admit(bm, u, range(0, 3));
        assertArrayEquals(bIds, u.toArray());
    }

    @Test
    void evictionTakesUncachedFirstThenLeastRecentlyReleasedAndNeverAHeldBlock() {
        BlockManager bm = new BlockManager(6, BS, true);
        int[] a = range(100, 108);
        int[] b = range(200, 208);
        int[] c = range(300, 308);
        BlockTable ta = new BlockTable(), tb = new BlockTable(), tc = new BlockTable();
        admit(bm, ta, a);
        bm.publish(ta, a, 8);
        admit(bm, tb, b);
        bm.publish(tb, b, 8);
        admit(bm, tc, c);
        bm.publish(tc, c, 8);
        assertEquals(6, bm.numCachedBlocks());
        int[] bIds = tb.toArray();
        int[] aIds = ta.toArray();
        bm.release(tb); // released first: least recently used
        bm.release(ta);
        // c is held: a fresh block must come from b's blocks, b's last block first
        BlockTable t = new BlockTable();
        bm.allocate(t, PrefixMatch.none(4), 1);
        assertEquals(bIds[1], t.blockId(0));
        assertEquals(5, bm.numCachedBlocks());
        bm.grow(t, 8);
        bm.grow(t, 12);
        assertEquals(bIds[0], t.blockId(1));
        assertEquals(aIds[1], t.blockId(2));
        // b's two blocks and then a's last block were evicted; a's first block and all of c's survive
        assertEquals(3, bm.numCachedBlocks());
        assertEquals(1, bm.findCachedPrefix(new BlockTable(), a, 8).numBlocks());
        assertEquals(0, bm.findCachedPrefix(new BlockTable(), b, 8).numBlocks());
        assertEquals(1, bm.findCachedPrefix(new BlockTable(), c, 8).numBlocks());
        assertEquals(2, bm.findCachedPrefix(new BlockTable(), range(300, 309), 9).numBlocks());
        for (int i = 0; i < tc.size(); i++) assertEquals(1, bm.refCount(tc.blockId(i)));
        assertFalse(bm.canGrow(t, 20), "held blocks are not evictable");
    }

    @Test
    void uncachedFreeBlocksAreUsedBeforeEvicting() {
        BlockManager bm = new BlockManager(4, BS, true);
        int[] a = range(0, 8);
        BlockTable ta = new BlockTable();
        admit(bm, ta, a);
        bm.publish(ta, a, 8);
        bm.release(ta);
        BlockTable t = new BlockTable();
        bm.allocate(t, PrefixMatch.none(8), 2);
        assertEquals(2, bm.numCachedBlocks());
        bm.grow(t, 12);
        assertEquals(1, bm.numCachedBlocks());
    }

    @Test
    void concurrentEqualPrefixesKeepOneCachedCopy() {
        BlockManager bm = new BlockManager(8, BS, true);
        int[] a = range(0, 5);
        BlockTable t1 = new BlockTable(), t2 = new BlockTable();
        admit(bm, t1, a);
        admit(bm, t2, a); // admitted before t1 published: computes its own copy
        bm.publish(t1, a, 5);
        bm.publish(t2, a, 5);
        assertEquals(1, bm.numCachedBlocks());
        assertEquals(t1.blockId(0), bm.findCachedPrefix(new BlockTable(), a, 5).blockIds()[0]);
        bm.release(t1);
        bm.release(t2);
        assertEquals(8, bm.numFreeBlocks());
    }

    @Test
    void withoutPrefixCachingNothingIsShared() {
        BlockManager bm = new BlockManager(8, BS, false);
        int[] a = range(0, 9);
        BlockTable t1 = new BlockTable();
        admit(bm, t1, a);
        bm.publish(t1, a, 9);
        assertEquals(0, bm.findCachedPrefix(new BlockTable(), a, 9).numBlocks());
        assertEquals(0, bm.numCachedBlocks());
        assertEquals(0, bm.prefixCacheQueries());
    }
}
