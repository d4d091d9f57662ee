package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepBatch;
import java.nio.IntBuffer;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * What a step tells the kernels, in device buffers at fixed addresses (so a captured CUDA graph replays with new
 * contents): per token its id, position, sequence index and (for logits) its row; per sequence where its block
 * table starts in one flat table array. Staged in pinned host memory and copied on the stream before the step; two
 * staging buffers in turn, so that a step staged while the previous one's copy still waits in the stream (a step
 * launched ahead, {@link Lookahead}) never changes what that copy reads.
 */
final class StepInputs {
    private final CudaContext ctx;
    private final int maxTokens;
    private final int maxSeqs;
    private final int maxTable;
    private final CudaContext.Pinned[] hosts = new CudaContext.Pinned[2];
    private CudaContext.Pinned host;
    private final CUdeviceptr device;
    private int attentionSplits;

    StepInputs(CudaContext ctx, int maxTokens, int maxSeqs, int maxTable) {
        this.ctx = ctx;
        this.maxTokens = maxTokens;
        this.maxSeqs = maxSeqs;
        this.maxTable = maxTable;
        long ints = 4L * maxTokens + maxSeqs + maxTable;
        for (int i = 0; i < hosts.length; i++) hosts[i] = ctx.pinned(4 * ints);
        this.device = ctx.alloc(4 * ints);
    }

    CUdeviceptr tokens() {
        return at(0);
    }

    CUdeviceptr positions() {
        return at(maxTokens);
    }

    CUdeviceptr tokenSeq() {
        return at(2L * maxTokens);
    }

    CUdeviceptr logitRows() {
        return at(3L * maxTokens);
    }

    CUdeviceptr seqTableStart() {
        return at(4L * maxTokens);
    }

    CUdeviceptr tables() {
        return at(4L * maxTokens + maxSeqs);
    }

    /** The splits attention.cu's shared memory holds in this step (AttentionKernels.splitsFor). */
    int attentionSplits() {
        return attentionSplits;
    }

    private CUdeviceptr at(long intOffset) {
        return device.withByteOffset(4 * intOffset);
    }

    /** Stages a validated step and queues its copy to the device; attention.cu's layout holds attentionSplits. */
    void write(StepBatch b, List<SeqChunk> chunks, int blockSize, int attentionSplits) {
        int n = b.size();
        int m = b.logitTokens().length;
        if (n > maxTokens || chunks.size() > maxSeqs) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "a step of " + n + " tokens in " + chunks.size()
                    + " sequences exceeds the CUDA backend's " + maxTokens + " tokens / " + maxSeqs + " sequences");
        }
        this.attentionSplits = attentionSplits;
        host = hosts[host == hosts[0] ? 1 : 0];
        IntBuffer ints = host.buffer().asIntBuffer();
        ints.put(0, b.tokens(), 0, n);
        ints.put(maxTokens, b.positions(), 0, n);
        ints.put(3 * maxTokens, b.logitTokens(), 0, m);
        int t = 0;
        int flat = 0;
        for (int s = 0; s < chunks.size(); s++) {
            SeqChunk c = chunks.get(s);
            for (int i = 0; i < c.tokens().length; i++) ints.put(2 * maxTokens + t++, s);
            int used = (c.endPos() + blockSize - 1) / blockSize;
            if (flat + used > maxTable) {
                throw new EngineException(ErrorCode.INVALID_PARAM, "the step's block tables exceed " + maxTable + " entries");
            }
            ints.put(4 * maxTokens + s, flat);
            ints.put(4 * maxTokens + maxSeqs + flat, c.blockTable(), 0, used);
            flat += used;
        }
        long span = 4L * maxTokens + maxSeqs + flat;
        if (span <= ONE_COPY_INTS) {
            // A copy costs the host a driver call and the stream a few microseconds however small it is: at decode
            // sizes one copy of the whole span (unused gaps included) is cheaper than six of the used parts.
            copy(0, span);
            return;
        }
        copy(0, n);
        copy(maxTokens, n);
        copy(2L * maxTokens, n);
        copy(3L * maxTokens, m);
        copy(4L * maxTokens, chunks.size());
        copy(4L * maxTokens + maxSeqs, flat);
    }

    /** The largest span of inputs staged as one copy: 64 KiB. */
    static final long ONE_COPY_INTS = 16 * 1024;

    private void copy(long intOffset, long count) {
        if (count == 0) return;
        cuMemcpyHtoDAsync(device.withByteOffset(4 * intOffset), host.pointer().withByteOffset(4 * intOffset),
                4 * count, ctx.stream);
    }
}
