package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.kv.KvCacheDtype;

/**
 * Settings of the CPU backend, validated when built.
 *
 * @param threads   worker threads; they change who computes a value, never how (PORTABLE)
 * @param blockSize positions per KV block
 * @param numBlocks KV blocks held per layer
 * @param profile   PORTABLE (the contract) or NAIVE (conventional order, for benchmarks and divergence demos)
 * @param kvCacheDtype what the KV cache stores ({@code auto} = fp32)
 */
public record CpuBackendConfig(int threads, int blockSize, int numBlocks, NumericsProfile profile,
                               KvCacheDtype kvCacheDtype) {
    public CpuBackendConfig {
        if (kvCacheDtype == null) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "kvCacheDtype is required: auto, fp32, bf16, fp8_e4m3 or fp8_e5m2");
        }
        if (threads < 1 || threads > 1024) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "threads must be in 1..1024, got " + threads);
        }
        if (blockSize < 1 || blockSize > 4096) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "blockSize must be in 1..4096, got " + blockSize);
        }
        if (numBlocks < 1) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "numBlocks must be >= 1, got " + numBlocks);
        }
        if (profile == null) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "profile is required: portable or naive");
        }
        if (profile == NumericsProfile.FAST) {
            throw new EngineException(ErrorCode.INVALID_PARAM,
                    "the fast profile needs the CUDA backend; the CPU backend runs portable or naive");
        }
    }

    /** An fp32 KV cache. */
    public CpuBackendConfig(int threads, int blockSize, int numBlocks, NumericsProfile profile) {
        this(threads, blockSize, numBlocks, profile, KvCacheDtype.FP32);
    }

    /** Portable numerics with the given threads and KV capacity. */
    public static CpuBackendConfig portable(int threads, int blockSize, int numBlocks) {
        return new CpuBackendConfig(threads, blockSize, numBlocks, NumericsProfile.PORTABLE);
    }
}
