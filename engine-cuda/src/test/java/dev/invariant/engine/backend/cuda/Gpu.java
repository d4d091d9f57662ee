package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ProgressListener;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Opens the CUDA backend for a test. Without a GPU the test is skipped (CI has none), unless the run demands one
 * ({@code -Dinvariant.test.requireGpu=true}, set by bench/device/run), where a missing GPU is a failure.
 */
final class Gpu {
    private Gpu() {
    }

    static boolean required() {
        return Boolean.getBoolean("invariant.test.requireGpu");
    }

    static CudaBackend open(Model m, EngineConfig config) {
        try {
            return CudaBackend.open(m, config, ProgressListener.NONE);
        } catch (EngineException e) {
            if (e.code() == ErrorCode.BACKEND_UNAVAILABLE && !required()) Assumptions.abort(e.getMessage());
            throw e;
        }
    }

    /** Skips (or, where a GPU is required, fails) when the CUDA backend cannot start here. */
    static void assume() {
        try {
            CudaContext.open(0).close();
        } catch (EngineException e) {
            if (e.code() == ErrorCode.BACKEND_UNAVAILABLE && !required()) Assumptions.abort(e.getMessage());
            throw e;
        }
    }

    /** Engine settings for an engine-level test on a shared model: 2 threads, batches of 64, a prefix-cached KV. */
    static EngineConfig engineConfig(String model) {
        return EngineConfig.defaults(TestAssets.model(model).toString()).withThreads(2).withBatching(64, 2048, 64)
                .withKvCache(16, 32768, true);
    }

    /** Engine settings for a backend-level test: KV blocks of the step script's size. */
    static EngineConfig config(int blockSize, int numBlocks) {
        return EngineConfig.defaults("test").withBatching(8, 512, 512).withKvCache(blockSize, numBlocks * blockSize, false);
    }

    /**
     * Runs body with the backend's system properties set (a kernel variant, a size), each restored afterwards to what
     * it was, however body ends: the backend reads them when it opens, so they hold for every backend body opens.
     */
    static void withProperties(Map<String, String> properties, Runnable body) {
        var before = new HashMap<String, String>();
        properties.forEach((k, v) -> before.put(k, System.setProperty(k, v)));
        try {
            body.run();
        } finally {
            before.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }
}
