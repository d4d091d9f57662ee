package dev.invariant.worker.config;

import dev.invariant.engine.CpuThreads;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.kv.KvCacheDtype;

/**
 * The engine part of the worker's configuration as an {@link EngineConfig}, vLLM's engine options included
 * (docs/configuration.md): each is mapped to its Invariant meaning or refused here, at start-up, naming the option
 * and what to set instead.
 */
public final class EngineSettings {
    private EngineSettings() {
    }

    public static EngineConfig of(WorkerConfig config) {
        WorkerConfig.Batching b = config.batching();
        // The engine's waiting bound equals the admission bound, so an admitted request is never refused.
        return new EngineConfig(config.model(), NumericsProfile.fromWire(config.profile()),
                CpuThreads.parse(config.threads()),
                b.maxBatch(), b.maxTokensPerStep(), b.prefillChunk(), b.maxInFlight(), b.kvBlockSize(),
                b.kvCacheTokens(), b.prefixCaching(), config.backend(), KvCacheDtype.fromWire(config.kvCacheDtype()),
                config.quantization().orElse(null), config.maxModelLen(),
                config.gpuMemoryUtilization().map(EngineSettings::fraction).orElse(0.0));
    }

    private static double fraction(String v) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw EngineException.invalid("gpu_memory_utilization", "gpu_memory_utilization='" + v + "' is not a"
                    + " number: give a fraction in (0, 1] of the GPU's memory, e.g. 0.9, or leave it unset");
        }
    }
}
