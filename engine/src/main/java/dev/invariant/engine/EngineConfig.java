package dev.invariant.engine;

import dev.invariant.engine.kv.KvCacheDtype;

/**
 * How an engine is built and scheduled. None of these settings can change a result's bits
 * (docs/numerics.md): they change who computes what and when, never how.
 *
 * @param model            folder, hub id ({@code org/name[@revision]}) or {@code synthetic:NAME}
 * @param threads          CPU threads for the forward pass; {@link CpuThreads#AUTO} (0) = chosen by the model's size
 * @param maxNumSeqs       sequences in one step at most (max batch size)
 * @param maxTokensPerStep token budget of one step (decode tokens + prefill chunks)
 * @param prefillChunk     a prompt is prefilled in chunks of at most this many tokens
 * @param maxWaiting       bound of the waiting queue; beyond it requests are refused with OVERLOADED
 * @param blockSize        positions per KV block
 * @param kvCacheTokens    KV cache capacity in tokens (rounded up to whole blocks)
 * @param prefixCaching    reuse KV blocks of identical prompt prefixes
 * @param backend          which backend runs the forward pass: {@code cpu}, {@code cuda} (a provider on the class path),
 *                         or {@code auto} (cuda when a GPU can run here, else cpu)
 * @param kvCacheDtype     what the KV cache stores: {@code auto} (= fp32), fp32, bf16, fp8_e4m3, fp8_e5m2. Unlike the
 *                         settings above it changes the bits (values are rounded when stored), so it is part of every
 *                         fingerprint (docs/identity.md)
 * @param quantization     the weight quantisation the caller expects (vLLM's {@code quantization}): null or
 *                         {@code auto} = whatever the checkpoint holds, {@code none}, or {@code gptq}; a checkpoint
 *                         that does not match is refused with the difference named
 * @param maxModelLen      the context length requests are held to (vLLM's max_model_len): prompt + max_tokens must
 *                         fit it; 0 = the model's max_position_embeddings, and more than that is refused
 * @param gpuMemoryUtilization vLLM's gpu_memory_utilization: the fraction of the GPU's total memory the engine may
 *                         use for weights, activations and KV cache; the cuda backend then gives the KV cache what is
 *                         left ({@code kvCacheTokens} is not used). 0 = unset (the cache holds {@code kvCacheTokens});
 *                         the cpu backend refuses it
 */
public record EngineConfig(
        String model,
        NumericsProfile profile,
        int threads,
        int maxNumSeqs,
        int maxTokensPerStep,
        int prefillChunk,
        int maxWaiting,
        int blockSize,
        int kvCacheTokens,
        boolean prefixCaching,
        String backend,
        KvCacheDtype kvCacheDtype,
        String quantization,
        int maxModelLen,
        double gpuMemoryUtilization) {

    /** The quantisation names accepted in {@code quantization}. */
    public static final java.util.List<String> QUANTIZATIONS = java.util.List.of("auto", "none", "gptq");

    public EngineConfig {
        if (model == null || model.isBlank()) invalid("model must be given (a folder, org/name or synthetic:NAME)");
        if (profile == null) invalid("numerics profile must be given");
        if (threads < 0) invalid("threads must be >= 1, or 0 (chosen by the model), got " + threads);
        if (maxNumSeqs < 1) invalid("max batch must be >= 1, got " + maxNumSeqs);
        if (maxTokensPerStep < maxNumSeqs) {
            invalid("max tokens per step (" + maxTokensPerStep + ") must be >= max batch (" + maxNumSeqs + ")");
        }
        if (prefillChunk < 1) invalid("prefill chunk must be >= 1, got " + prefillChunk);
        if (maxWaiting < 1) invalid("max waiting must be >= 1, got " + maxWaiting);
        if (blockSize < 1) invalid("block size must be >= 1, got " + blockSize);
        if (kvCacheTokens < blockSize) invalid("kv cache tokens must be >= block size, got " + kvCacheTokens);
        if (backend == null || !backend.matches("[a-z][a-z0-9-]*")) {
            invalid("backend must be a lower-case name such as cpu or cuda, got " + backend);
        }
        if (kvCacheDtype == null) invalid("kv cache dtype must be given: auto, fp32, bf16, fp8_e4m3 or fp8_e5m2");
        if (quantization != null && !QUANTIZATIONS.contains(quantization)) {
            invalid("quantization '" + quantization + "' is not supported: use gptq, none or auto (what the checkpoint holds)");
        }
        if (maxModelLen < 0) invalid("max_model_len must be >= 0 (0: the model's context length), got " + maxModelLen);
        if (!(gpuMemoryUtilization >= 0 && gpuMemoryUtilization <= 1)) {
            throw EngineException.invalid("gpu_memory_utilization", "gpu_memory_utilization must be a fraction in"
                    + " (0, 1] of the GPU's memory (0 or unset: size the KV cache by its tokens), got "
                    + gpuMemoryUtilization);
        }
    }

    /** The settings with the KV cache sized in tokens (no gpu_memory_utilization). */
    public EngineConfig(String model, NumericsProfile profile, int threads, int maxNumSeqs, int maxTokensPerStep,
                        int prefillChunk, int maxWaiting, int blockSize, int kvCacheTokens, boolean prefixCaching,
                        String backend, KvCacheDtype kvCacheDtype, String quantization, int maxModelLen) {
        this(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting, blockSize,
                kvCacheTokens, prefixCaching, backend, kvCacheDtype, quantization, maxModelLen, 0);
    }

    /** The settings with the model's own context length. */
    public EngineConfig(String model, NumericsProfile profile, int threads, int maxNumSeqs, int maxTokensPerStep,
                        int prefillChunk, int maxWaiting, int blockSize, int kvCacheTokens, boolean prefixCaching,
                        String backend, KvCacheDtype kvCacheDtype, String quantization) {
        this(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting, blockSize,
                kvCacheTokens, prefixCaching, backend, kvCacheDtype, quantization, 0);
    }

    /** The settings with an fp32 KV cache and the checkpoint's own quantisation. */
    public EngineConfig(String model, NumericsProfile profile, int threads, int maxNumSeqs, int maxTokensPerStep,
                        int prefillChunk, int maxWaiting, int blockSize, int kvCacheTokens, boolean prefixCaching,
                        String backend) {
        this(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting, blockSize,
                kvCacheTokens, prefixCaching, backend, KvCacheDtype.AUTO, null);
    }

    /** The settings on the CPU backend (the default). */
    public EngineConfig(String model, NumericsProfile profile, int threads, int maxNumSeqs, int maxTokensPerStep,
                        int prefillChunk, int maxWaiting, int blockSize, int kvCacheTokens, boolean prefixCaching) {
        this(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting, blockSize,
                kvCacheTokens, prefixCaching, "cpu");
    }

    private static void invalid(String message) {
        throw new EngineException(ErrorCode.INVALID_PARAM, message);
    }

    public int numBlocks() {
        return (kvCacheTokens + blockSize - 1) / blockSize;
    }

    /** Defaults for a model: portable profile, all cores, vLLM-like batching limits. */
    public static EngineConfig defaults(String model) {
        return new EngineConfig(model, NumericsProfile.PORTABLE, Runtime.getRuntime().availableProcessors(),
                64, 2048, 512, 4096, 16, 32768, true, "cpu", KvCacheDtype.AUTO, null);
    }

    public EngineConfig withThreads(int n) {
        return new EngineConfig(model, profile, n, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting,
                blockSize, kvCacheTokens, prefixCaching, backend, kvCacheDtype, quantization, maxModelLen,
                gpuMemoryUtilization);
    }

    public EngineConfig withBatching(int maxSeqs, int tokensPerStep, int chunk) {
        return new EngineConfig(model, profile, threads, maxSeqs, tokensPerStep, chunk, maxWaiting,
                blockSize, kvCacheTokens, prefixCaching, backend, kvCacheDtype, quantization, maxModelLen,
                gpuMemoryUtilization);
    }

    public EngineConfig withKvCache(int blockSize, int tokens, boolean prefixCaching) {
        return new EngineConfig(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting,
                blockSize, tokens, prefixCaching, backend, kvCacheDtype, quantization, maxModelLen,
                gpuMemoryUtilization);
    }

    public EngineConfig withProfile(NumericsProfile p) {
        return new EngineConfig(model, p, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting,
                blockSize, kvCacheTokens, prefixCaching, backend, kvCacheDtype, quantization, maxModelLen,
                gpuMemoryUtilization);
    }

    public EngineConfig withBackend(String name) {
        return new EngineConfig(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting,
                blockSize, kvCacheTokens, prefixCaching, name, kvCacheDtype, quantization, maxModelLen,
                gpuMemoryUtilization);
    }

    public EngineConfig withKvCacheDtype(KvCacheDtype dtype) {
        return new EngineConfig(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting,
                blockSize, kvCacheTokens, prefixCaching, backend, dtype, quantization, maxModelLen,
                gpuMemoryUtilization);
    }

    public EngineConfig withQuantization(String q) {
        return new EngineConfig(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting,
                blockSize, kvCacheTokens, prefixCaching, backend, kvCacheDtype, q, maxModelLen, gpuMemoryUtilization);
    }

    public EngineConfig withGpuMemoryUtilization(double fraction) {
        return new EngineConfig(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting,
                blockSize, kvCacheTokens, prefixCaching, backend, kvCacheDtype, quantization, maxModelLen, fraction);
    }

    public EngineConfig withMaxModelLen(int n) {
        return new EngineConfig(model, profile, threads, maxNumSeqs, maxTokensPerStep, prefillChunk, maxWaiting,
                blockSize, kvCacheTokens, prefixCaching, backend, kvCacheDtype, quantization, n, gpuMemoryUtilization);
    }
}
