package dev.invariant.engine.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prepares DJL before its first use. The tokenizers jar bundles the native library and extracts it to a
 * cache folder; nothing is downloaded. DJL would otherwise probe the EC2 metadata service once a day
 * (telemetry), so tracking is opted out, and the cache moves to the temp folder if home is not writable.
 */
final class NativeTokenizers {
    private static volatile boolean prepared;

    private NativeTokenizers() {
    }

    static void prepare() {
        if (prepared) return;
        synchronized (NativeTokenizers.class) {
            if (prepared) return;
            setIfAbsent("OPT_OUT_TRACKING", "true");
            setIfAbsent("ai.djl.offline", "true");
            if (unset("DJL_CACHE_DIR") && unset("ENGINE_CACHE_DIR") && !writable(defaultCache())) {
                System.setProperty("ENGINE_CACHE_DIR",
                        Path.of(System.getProperty("java.io.tmpdir"), "invariant-djl").toString());
            }
            prepared = true;
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getenv(key) == null && System.getProperty(key) == null) System.setProperty(key, value);
    }

    private static boolean unset(String key) {
        return System.getenv(key) == null && System.getProperty(key) == null;
    }

    private static Path defaultCache() {
        return Path.of(System.getProperty("user.home"), ".djl.ai");
    }

    private static boolean writable(Path dir) {
        try {
            Files.createDirectories(dir);
            return Files.isWritable(dir);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
