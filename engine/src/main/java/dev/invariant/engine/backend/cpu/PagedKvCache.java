package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.kv.KvCacheDtype;

/**
 * Keys and values of every layer, stored per block: block b holds positions b*blockSize .. +blockSize-1
 * of whichever sequence owns it, each position a [kvHeads * headDim] row. A sequence's positions are
 * found through its block table, so blocks need not be contiguous or ordered. Rows are stored in the
 * configured {@link KvCacheDtype}: rounded when written, widened exactly when read ({@link KvRows}).
 */
final class PagedKvCache {
    final int blockSize;
    final int numBlocks;
    final int kvDim;
    // log2(blockSize) when it is a power of two (16 by default), else -1: attention finds every key and value row
    // it reads through offset(), and a shift and a mask cost far less than two integer divisions.
    private final int shift;
    final KvRows keys;
    final KvRows values;

    PagedKvCache(int layers, int numBlocks, int blockSize, int kvDim, KvCacheDtype dtype) {
        long perLayer = (long) numBlocks * blockSize * kvDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "KV cache of " + numBlocks + " blocks x " + blockSize
                    + " positions x " + kvDim + " values exceeds one layer's limit; use fewer or smaller blocks");
        }
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.kvDim = kvDim;
        this.shift = Integer.bitCount(blockSize) == 1 ? Integer.numberOfTrailingZeros(blockSize) : -1;
        this.keys = KvRows.of(dtype, layers, (int) perLayer);
        this.values = KvRows.of(dtype, layers, (int) perLayer);
    }

    /** Bytes held for keys and values of all layers. */
    static long bytes(int layers, int numBlocks, int blockSize, int kvDim, KvCacheDtype dtype) {
        return 2L * layers * numBlocks * blockSize * kvDim * dtype.storage().bytes();
    }

    /** Offset of position {@code pos}'s row within a layer's key or value array. */
    int offset(int[] blockTable, int pos) {
        if (shift >= 0) return ((blockTable[pos >>> shift] << shift) + (pos & (blockSize - 1))) * kvDim;
        int block = blockTable[pos / blockSize];
        return (block * blockSize + pos % blockSize) * kvDim;
    }

    void write(int layer, int[] blockTable, int pos, float[] k, int ko, float[] v, int vo) {
        int off = offset(blockTable, pos);
        keys.store(layer, off, k, ko, kvDim);
        values.store(layer, off, v, vo, kvDim);
    }
}
