package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepBatch;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * The CPU backend: the forward pass on the Vector API with paged KV memory. With the PORTABLE profile
 * every value follows docs/numerics.md, so results do not depend on batch, chunking, threads or block
 * placement, and equal the CUDA backend's portable results bit for bit.
 */
public final class CpuBackend implements Backend {
    private final Model model;
    private final CpuBackendConfig config;
    private final Arena arena = Arena.ofShared();
    private final WorkerPool pool;
    private final DecoderForward forward;
    // Every completion names its backend: built once (everything in it is fixed at construction).
    private String description;

    public CpuBackend(Model model, CpuBackendConfig config) {
        this.model = model;
        this.config = config;
        var c = model.config();
        this.pool = new WorkerPool(config.threads());
        try {
            PagedKvCache kv = new PagedKvCache(c.numLayers(), config.numBlocks(), config.blockSize(), c.kvDim(),
                    config.kvCacheDtype());
            CpuWeights weights = CpuWeights.prepare(model.weights(), c.moe(), arena, c.gemma() != null);
            this.forward = new DecoderForward(c, weights, kv, pool, new Linear(pool, config.profile()));
        } catch (RuntimeException e) {
            close();
            throw e;
        } catch (OutOfMemoryError e) {
            close();
            // the KV cache lives on the heap (-Xmx), generated or widened weights in native memory (-XX:MaxDirectMemorySize)
            throw new EngineException(ErrorCode.INTERNAL, "not enough memory for the KV cache and the weights (the"
                    + " 'memory:' figures above): " + e.getMessage() + "; raise -Xmx / -XX:MaxDirectMemorySize, lower"
                    + " --kv-cache-tokens or use a narrower --kv-cache-dtype, or load an exported (memory-mapped) folder", e);
        }
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public NumericsProfile profile() {
        return config.profile();
    }

    @Override
    public int blockSize() {
        return config.blockSize();
    }

    @Override
    public int numBlocks() {
        return config.numBlocks();
    }

    /** Not thread-safe: one step at a time (the engine loop is single-threaded; parallelism is inside). */
    @Override
    public synchronized float[][] forward(List<SeqChunk> chunks) {
        StepBatch b = StepBatch.of(chunks, model.config().vocabSize(), config.blockSize(), config.numBlocks());
        float[][] logits = forward.forward(b);
        float[][] out = new float[chunks.size()][];
        // a chunk's rows come in position order: its last one stays
        for (int i = 0; i < b.logitChunks().length; i++) out[b.logitChunks()[i]] = logits[i];
        return out;
    }

    /** Every row {@link DecoderForward} computed, in {@link StepBatch#logitTokens} order. */
    @Override
    public synchronized float[][] forwardRows(List<SeqChunk> chunks) {
        return forward.forward(StepBatch.of(chunks, model.config().vocabSize(), config.blockSize(), config.numBlocks()));
    }

    @Override
    public KvCacheDtype kvCacheDtype() {
        return config.kvCacheDtype().storage();
    }

    /** The worker pool's regions take whichever thread calls as their caller. */
    @Override
    public boolean stepsOnAnyThread() {
        return true;
    }

    @Override
    public String describe() {
        if (description == null) description = description();
        return description;
    }

    private String description() {
        KvCacheDtype kv = kvCacheDtype();
        var q = model.weights().quantization();
        return "cpu-vector256 x" + config.threads() + " threads " + config.profile().wireName()
                + (q == null ? "" : " " + q.describe()) + (kv == KvCacheDtype.FP32 ? "" : " kv " + kv.wireName());
    }

    @Override
    public void close() {
        pool.close();
        arena.close();
    }
}
