package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.CpuThreads;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.BackendProvider;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import java.util.EnumSet;
import java.util.Set;

/** The CPU backend under the name {@code cpu}: the engine's default and the portable profile's reference. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Set<KvCacheDtype> kvCacheDtypes() {
        return EnumSet.of(KvCacheDtype.FP32, KvCacheDtype.BF16, KvCacheDtype.FP8_E4M3, KvCacheDtype.FP8_E5M2);
    }

    /** portable, and naive (which exists to reproduce the failure); fast needs tensor cores. */
    @Override
    public Set<NumericsProfile> profiles() {
        return EnumSet.of(NumericsProfile.PORTABLE, NumericsProfile.NAIVE);
    }

    @Override
    public boolean runsGptq() {
        return true;
    }

    @Override
    public boolean runsExperts() {
        return true;
    }

    /** gpu_memory_utilization (a share of a GPU's memory) is refused: this cache is sized in tokens. */
    @Override
    public Backend open(Model model, EngineConfig config) {
        if (config.gpuMemoryUtilization() > 0) {
            throw EngineException.invalid("gpu_memory_utilization", "gpu_memory_utilization=" + config.gpuMemoryUtilization()
                    + " applies to GPUs (the cuda backend), and this engine runs on the cpu backend: remove it and size"
                    + " the KV cache in tokens (--kv-cache-tokens, invariant.batching.kv-cache-tokens)");
        }
        return new CpuBackend(model, new CpuBackendConfig(CpuThreads.forModel(config.threads(), model), config.blockSize(), config.numBlocks(),
                config.profile(), config.kvCacheDtype()));
    }
}
