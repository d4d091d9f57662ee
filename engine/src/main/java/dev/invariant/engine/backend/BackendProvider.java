package dev.invariant.engine.backend;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.Model;
import java.util.EnumSet;
import java.util.Set;

/**
 * A backend that can be chosen by name in {@link EngineConfig#backend()}, found with {@link java.util.ServiceLoader}
 * so that the engine itself depends on no device library: the CUDA backend lives in its own module and registers
 * itself in {@code META-INF/services/dev.invariant.engine.backend.BackendProvider}.
 */
public interface BackendProvider {

    /** The name users select it by ({@code cpu}, {@code cuda}). */
    String name();

    /** Builds the backend for a loaded model; fails with a message that says what to do when it cannot run here. */
    Backend open(Model model, EngineConfig config);

    /** The KV cache dtypes it can store (resolved: {@code auto} is fp32); {@link Backends} refuses others before opening. */
    default Set<KvCacheDtype> kvCacheDtypes() {
        return Set.of(KvCacheDtype.FP32);
    }

    /** The numerics profiles it builds; {@link Backends} refuses others before opening (and before loading weights). */
    default Set<NumericsProfile> profiles() {
        return Set.of(NumericsProfile.PORTABLE);
    }

    /** The decoder architectures it computes; {@link Backends} refuses others before opening. */
    default Set<Architecture> architectures() {
        return EnumSet.allOf(Architecture.class);
    }

    /** Whether it runs a mixture of experts ({@link dev.invariant.engine.model.Moe}); {@link Backends} refuses it. */
    default boolean runsExperts() {
        return false;
    }

    /** Whether it runs GPTQ checkpoints (packed int4/int8 weights); {@link Backends} refuses them before opening. */
    default boolean runsGptq() {
        return false;
    }
}
