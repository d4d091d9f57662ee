package dev.invariant.engine.backend;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds the backend a config names among the providers on the class path. */
public final class Backends {
    private Backends() {
    }

    /** The names of the backends available in this build. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) names.add(p.name());
        return names;
    }

    /** The name that picks the GPU when one can run here and the CPU otherwise (portable bits are the same on both). */
    public static final String AUTO = "auto";

    public static Backend open(Model model, EngineConfig config) {
        if (AUTO.equals(config.backend())) return openAuto(model, config);
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equals(config.backend())) {
                checkCapabilities(p, model, config);
                return p.open(model, config);
            }
        }
        throw new EngineException(ErrorCode.INVALID_PARAM, "backend '" + config.backend() + "' is not in this build "
                + "(available: " + String.join(", ", available()) + "); the cuda backend needs the engine-cuda module "
                + "on the class path, as the invariant launcher and the worker have it");
    }

    /**
     * Whether the named backend ({@code auto}: any in this build) builds this numerics profile: a caller can ask before
     * loading a model it would only be refused for.
     */
    public static boolean runs(String backend, NumericsProfile profile) {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if ((AUTO.equals(backend) || p.name().equals(backend)) && p.profiles().contains(profile)) return true;
        }
        return false;
    }

    /** BACKEND_UNAVAILABLE (so that {@code auto} falls back to the CPU) when the backend cannot store or run these. */
    private static void checkCapabilities(BackendProvider p, Model model, EngineConfig config) {
        if (!p.profiles().contains(config.profile())) {
            throw new EngineException(ErrorCode.BACKEND_UNAVAILABLE, "the " + p.name() + " backend does not build the "
                    + config.profile().wireName() + " profile (it runs " + p.profiles().stream()
                    .map(NumericsProfile::wireName).sorted().toList() + ")");
        }
        KvCacheDtype kv = config.kvCacheDtype().storage();
        if (!p.kvCacheDtypes().contains(kv)) {
            throw new EngineException(ErrorCode.BACKEND_UNAVAILABLE, "the " + p.name() + " backend cannot store the KV"
                    + " cache as " + kv.wireName() + " (it stores " + p.kvCacheDtypes().stream().map(KvCacheDtype::wireName)
                    .sorted().toList() + "): use --kv-cache-dtype auto, or --backend cpu, which stores every kv_cache_dtype");
        }
        var arch = model.config().architecture();
        if (!p.architectures().contains(arch)) {
            throw new EngineException(ErrorCode.BACKEND_UNAVAILABLE, "the " + p.name() + " backend does not compute "
                    + arch.hfName() + " (it runs " + p.architectures().stream().map(a -> a.hfName()).sorted().toList()
                    + "): use --backend cpu, which runs every architecture");
        }
        if (model.config().moe() != null && !p.runsExperts()) {
            throw new EngineException(ErrorCode.BACKEND_UNAVAILABLE, "the " + p.name() + " backend does not run a"
                    + " mixture of experts (" + model.config().moe().numExperts() + " experts): use --backend cpu");
        }
        if (model.weights().quantization() != null && !p.runsGptq()) {
            throw new EngineException(ErrorCode.BACKEND_UNAVAILABLE, "the " + p.name() + " backend does not run GPTQ"
                    + " checkpoints (" + model.weights().quantization().describe() + "): use --backend cpu");
        }
    }

    private static Backend openAuto(Model model, EngineConfig config) {
        if (available().contains("cuda")) {
            try {
                return open(model, config.withBackend("cuda"));
            } catch (EngineException e) {
                if (e.code() != ErrorCode.BACKEND_UNAVAILABLE) throw e;
            }
        }
        return open(model, config.withBackend("cpu"));
    }
}
