package dev.invariant.engine;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import java.util.Locale;

/**
 * What an engine will hold, computed from the model's shapes and the config before anything is allocated, so that
 * start-up can say it first: the weights as stored (GPTQ packed, never dequantised) and the KV cache of the configured
 * tokens (whole blocks) in its stored dtype.
 */
public record MemoryFigures(long weightsBytes, String quantization, long kvBytes, KvCacheDtype kvDtype, int kvTokens,
                            int blocks, int blockSize, int layers, int kvDim) {

    public static MemoryFigures of(Model model, EngineConfig config) {
        return of(model, config, config.numBlocks(), config.kvCacheTokens());
    }

    /** The figures of a cache of {@code blocks} blocks, as a backend sized it (gpu_memory_utilization). */
    public static MemoryFigures of(Model model, EngineConfig config, int blocks) {
        return of(model, config, blocks, blocks * config.blockSize());
    }

    private static MemoryFigures of(Model model, EngineConfig config, int blocks, int tokens) {
        var c = model.config();
        KvCacheDtype kv = config.kvCacheDtype().storage();
        long positions = (long) blocks * config.blockSize();
        return new MemoryFigures(model.weights().byteSize(), model.weights().describeQuantization(),
                2L * c.numLayers() * positions * c.kvDim() * kv.bytes(), kv, tokens, blocks, config.blockSize(),
                c.numLayers(), c.kvDim());
    }

    /** The line before a backend opens: with gpu_memory_utilization the cache is sized on the GPU, after the weights. */
    public static String startLine(Model model, EngineConfig config) {
        if (config.gpuMemoryUtilization() == 0) return of(model, config).line();
        MemoryFigures f = of(model, config);
        return String.format(Locale.ROOT, "memory: weights %s (%s) + KV cache (%s) of what gpu_memory_utilization=%s"
                        + " of the GPU leaves once the weights and activations are there", size(f.weightsBytes),
                f.weights(), f.kvDtype.wireName(), config.gpuMemoryUtilization());
    }

    /**
     * One line for logs, e.g. {@code memory: weights 15.83 GB (gptq int8 g128 sym) + KV cache 4.10 GB (fp8_e5m2,
     * 10000 tokens = 625 blocks x 16, 40 layers x 2 x 5120 values) = 19.93 GB}.
     */
    public String line() {
        return String.format(Locale.ROOT, "memory: weights %s (%s) + KV cache %s (%s, %d tokens = %d blocks x %d,"
                        + " %d layers x 2 x %d values) = %s", size(weightsBytes), weights(),
                size(kvBytes), kvDtype.wireName(), kvTokens, blocks, blockSize, layers, kvDim, size(weightsBytes + kvBytes));
    }

    private String weights() {
        return quantization.equals("none") ? "dense" : quantization;
    }

    /** GB with two decimals, or MB below 1 GB, where "0.00 GB" would say nothing (a small model's weights). */
    private static String size(long bytes) {
        return bytes >= 1_000_000_000L ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }
}
