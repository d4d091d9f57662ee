package dev.invariant.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class BlockHashTest {

    @Test
    void equalPrefixesGiveEqualHashes() {
        int[] a = {1, 2, 3, 4, 5, 6};
        int[] b = {9, 1, 2, 3, 4, 5, 6};
        assertEquals(BlockHash.ROOT.child(a, 0, 3).child(a, 3, 3), BlockHash.ROOT.child(b, 1, 3).child(b, 4, 3));
    }

    @Test
    void sameBlockTokensAfterDifferentPrefixesDiffer() {
        int[] a = {1, 2, 3, 7, 7, 7};
        int[] b = {1, 2, 4, 7, 7, 7};
        BlockHash lastA = BlockHash.ROOT.child(a, 0, 3).child(a, 3, 3);
        BlockHash lastB = BlockHash.ROOT.child(b, 0, 3).child(b, 3, 3);
        assertNotEquals(lastA, lastB);
    }

    @Test
    void tokenOrderAndValuesMatter() {
        int[] t = {1, 2, 2, 1, 256, 0, 0, 1};
        assertNotEquals(BlockHash.ROOT.child(t, 0, 2), BlockHash.ROOT.child(t, 2, 2));
        // a token's 4 bytes are hashed whole: 256,0 differs from 0,1
        assertNotEquals(BlockHash.ROOT.child(t, 4, 2), BlockHash.ROOT.child(t, 6, 2));
        assertNotEquals(BlockHash.ROOT, BlockHash.ROOT.child(t, 0, 2));
    }

    @Test
    void blockTableCachesTheChainOverItsTokens() {
        int[] t = {5, 6, 7, 8, 9, 10};
        BlockTable table = new BlockTable();
        BlockHash expected = BlockHash.ROOT.child(t, 0, 2).child(t, 2, 2).child(t, 4, 2);
        assertEquals(expected, table.hashOf(2, t, 2));
        assertEquals(BlockHash.ROOT.child(t, 0, 2), table.hashOf(0, t, 2));
    }
}
