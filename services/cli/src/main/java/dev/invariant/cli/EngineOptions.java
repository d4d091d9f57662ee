package dev.invariant.cli;

import dev.invariant.engine.CpuThreads;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.kv.KvCacheDtype;
import picocli.CommandLine.Option;

/** Options that build an engine; none of them can change a result's bits, only how fast it comes. */
final class EngineOptions {
    @Option(names = "--model", paramLabel = "MODEL", required = true,
            description = "A Hugging Face model folder, a hub id org/name[@revision] (downloaded once into the HF cache),"
                    + " or synthetic:NAME (seeded weights of a real shape: tiny, qwen2.5-0.5b, qwen1.5-14b, ...).")
    String model;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "auto",
            description = "CPU threads: auto (one for a model under 64 MB of weights, else all cores), 0 (all cores) or"
                    + " a count; never changes the bits (default: ${DEFAULT-VALUE}).")
    String threads;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "64",
            description = "Sequences in one step at most (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-tokens-per-step", paramLabel = "N", defaultValue = "2048",
            description = "Token budget of one step, prefill chunks included (default: ${DEFAULT-VALUE}).")
    int maxTokensPerStep;

    @Option(names = "--prefill-chunk", paramLabel = "N", defaultValue = "512",
            description = "Prefill prompts in chunks of at most N tokens (default: ${DEFAULT-VALUE}).")
    int prefillChunk;

    @Option(names = "--kv-cache-tokens", paramLabel = "N", defaultValue = "32768",
            description = "KV cache capacity in tokens (default: ${DEFAULT-VALUE}).")
    int kvCacheTokens;

    @Option(names = "--block-size", paramLabel = "N", defaultValue = "16",
            description = "Positions per KV cache block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--no-prefix-caching", description = "Do not reuse KV blocks of identical prompt prefixes.")
    boolean noPrefixCaching;

    @Option(names = "--profile", paramLabel = "PROFILE", defaultValue = "portable",
            description = "Numerics profile: portable (CPU ≡ GPU bits), fast (cuda only: tensor cores, still"
                    + " batch-invariant) or naive (plain reduction order, for comparison) (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "What runs the forward pass: cpu (Vector API), cuda (an NVIDIA GPU through JCuda) or auto (cuda"
                    + " when a GPU can run here, else cpu). Portable results are the same bits on each"
                    + " (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--kv-cache-dtype", paramLabel = "DTYPE", defaultValue = "auto",
            description = "What the KV cache stores: auto (= fp32), fp32, bf16, fp8_e4m3 (alias fp8) or fp8_e5m2. Values"
                    + " are rounded when stored (docs/numerics.md), so this is part of the fingerprint"
                    + " (default: ${DEFAULT-VALUE}).")
    String kvCacheDtype;

    @Option(names = "--quantization", paramLabel = "METHOD",
            description = "The weight quantisation the checkpoint must have: gptq or none (default: whatever it holds);"
                    + " a checkpoint that does not match is refused.")
    String quantization;

    @Option(names = "--max-model-len", paramLabel = "N", defaultValue = "0",
            description = "Context length requests are held to, vLLM's max_model_len (default: the model's).")
    int maxModelLen;

    @Option(names = "--gpu-memory-utilization", paramLabel = "FRACTION", defaultValue = "0",
            description = "vLLM's gpu_memory_utilization, cuda backend only: the share (0, 1] of the GPU's memory for"
                    + " weights, activations and KV cache; the KV cache gets what is left (--kv-cache-tokens is then"
                    + " not used). Default: unset, the cache holds --kv-cache-tokens.")
    double gpuMemoryUtilization;

    EngineConfig config() {
        return new EngineConfig(model, NumericsProfile.fromWire(profile), CpuThreads.parse(threads), maxBatch,
                Math.max(maxTokensPerStep, maxBatch), prefillChunk, 4096, blockSize, kvCacheTokens, !noPrefixCaching, backend,
                KvCacheDtype.fromWire(kvCacheDtype), quantization, maxModelLen, gpuMemoryUtilization);
    }
}
