package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.hub.HubOptions;
import java.nio.file.Path;

/**
 * How {@link ModelLoader} resolves and loads a model.
 *
 * @param hub            hub endpoint, cache, token and offline mode (defaults from HF_* variables)
 * @param digestCacheDir where weights digests are remembered for read-only folders and synthetic models
 * @param progress       told about downloads, weight generation and digests
 */
public record LoadOptions(HubOptions hub, Path digestCacheDir, ProgressListener progress) {
    public LoadOptions {
        if (hub == null || digestCacheDir == null) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "load options need hub options and a digest cache folder");
        }
        if (progress == null) progress = ProgressListener.NONE;
    }

    /** Everything from the environment, no progress output. */
    public static LoadOptions fromEnv() {
        return new LoadOptions(HubOptions.fromEnv(), DigestCache.defaultDir(), ProgressListener.NONE);
    }

    public LoadOptions withProgress(ProgressListener p) {
        return new LoadOptions(hub, digestCacheDir, p);
    }

    public LoadOptions withHub(HubOptions h) {
        return new LoadOptions(h, digestCacheDir, progress);
    }

    public LoadOptions withDigestCacheDir(Path dir) {
        return new LoadOptions(hub, dir, progress);
    }
}
