package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.ModelConfig;
import java.util.function.LongToIntFunction;

/**
 * The backend's sizes, from the model and the config: plain arithmetic, worked out before anything is allocated,
 * apart from the KV cache's blocks, which the device's free memory may decide ({@link #kvBlocks}).
 *
 * @param maxBlocks the most KV blocks the kernels can index (one layer's KV with 32-bit element offsets)
 * @param limit     the longest context served: what the cache holds, or (the cache sized by gpu_memory_utilization
 *                  later) the context length requests are held to, cut to the cache once it is sized
 * @param maxTokens the most tokens in one step
 * @param maxCols   the widest activation row a projection writes
 */
record CudaSizing(int blockSize, KvCacheDtype kvDtype, double fraction, int maxBlocks, int limit, int maxTokens,
                  int maxBlocksPerSeq, int maxCols) {

    static CudaSizing of(ModelConfig c, EngineConfig config) {
        int blockSize = config.blockSize();
        KvCacheDtype kvDtype = config.kvCacheDtype().storage();
        double fraction = config.gpuMemoryUtilization();
        // Kernels index one layer's KV with 32-bit element offsets.
        int maxBlocks = (int) Math.min(Integer.MAX_VALUE, Integer.MAX_VALUE / ((long) blockSize * c.kvDim()));
        int context = config.maxModelLen() > 0 ? Math.min(config.maxModelLen(), c.maxPositionEmbeddings())
                : c.maxPositionEmbeddings();
        int limit = fraction > 0 ? context : (int) Math.min(c.maxPositionEmbeddings(), (long) config.numBlocks() * blockSize);
        int maxTokens = Math.max(config.maxTokensPerStep(), config.maxNumSeqs());
        int maxBlocksPerSeq = (limit + blockSize - 1) / blockSize;
        int maxCols = Math.max(c.hiddenSize(), Math.max(c.qDim(), c.intermediateSize()));
        if (c.moe() != null) maxCols = Math.max(maxCols, Math.max(c.moe().expertSize(), c.moe().sharedExpertSize()));
        return new CudaSizing(blockSize, kvDtype, fraction, maxBlocks, limit, maxTokens, maxBlocksPerSeq, maxCols);
    }

    /**
     * How many KV blocks to hold, given one block's bytes: the config's, or what gpu_memory_utilization leaves once
     * everything else is on the device (asked then, by {@link CudaForward}).
     */
    LongToIntFunction kvBlocks(CudaContext ctx, EngineConfig config) {
        return fraction == 0 ? perBlock -> config.numBlocks()
                : perBlock -> KvBudget.blocks(fraction, ctx.totalMemory(), ctx.totalMemory() - ctx.freeMemory(),
                perBlock, maxBlocks);
    }

    /** A KV cache sized in tokens must fit the free memory and the kernels' 32-bit offsets. */
    void checkKvTokens(CudaContext ctx, ModelConfig c, EngineConfig config) {
        long tokens = config.numBlocks() * (long) config.blockSize();
        long kv = CudaForward.kvBytes(c, config.numBlocks(), config.blockSize(), kvDtype);
        long free = ctx.freeMemory();
        if (kv > free * 0.9) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "a KV cache of " + tokens + " tokens needs "
                    + kv / (1 << 20) + " MiB, the GPU has " + free / (1 << 20) + " MiB free: lower the KV cache tokens,"
                    + " or size it by the GPU's memory with gpu_memory_utilization");
        }
        if (config.numBlocks() > maxBlocks) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "a KV cache of " + tokens + " tokens exceeds one layer's"
                    + " 2^31 values on the GPU; lower the KV cache tokens");
        }
    }
}
