package dev.invariant.engine.model.hub;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how to fetch hub models, with the environment variables huggingface_hub reads.
 *
 * @param cacheDir the hub cache ({@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else ~/.cache/huggingface/hub)
 * @param offline  {@code HF_HUB_OFFLINE=1}: use the cache only, never the network
 * @param token    {@code HF_TOKEN}, else the file {@code HF_TOKEN_PATH} or {@code $HF_HOME/token}; null for none
 * @param endpoint {@code HF_ENDPOINT}, default https://huggingface.co
 * @param timeout  connect timeout and the longest wait for a response's headers
 */
public record HubOptions(Path cacheDir, boolean offline, String token, URI endpoint, Duration timeout) {
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    public HubOptions {
        if (cacheDir == null) throw new EngineException(ErrorCode.INVALID_PARAM, "hub cache folder must be set");
        if (endpoint == null || endpoint.getScheme() == null || endpoint.getHost() == null
                || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "hub endpoint '" + endpoint
                    + "' must be an http(s) URL such as https://huggingface.co (check HF_ENDPOINT)");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "hub timeout must be positive");
        }
        if (token != null && token.isBlank()) token = null;
        String e = endpoint.toString();
        if (e.endsWith("/")) endpoint = URI.create(e.substring(0, e.length() - 1));
    }

    /** Options from the process environment. */
    public static HubOptions fromEnv() {
        return fromEnv(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** Options from the given environment variables (testable without touching the real environment). */
    public static HubOptions fromEnv(Map<String, String> env, Path userHome) {
        Path hfHome = env.containsKey("HF_HOME") ? Path.of(env.get("HF_HOME"))
                : env.containsKey("XDG_CACHE_HOME") ? Path.of(env.get("XDG_CACHE_HOME"), "huggingface")
                : userHome.resolve(".cache").resolve("huggingface");
        Path cache = env.containsKey("HF_HUB_CACHE") ? Path.of(env.get("HF_HUB_CACHE")) : hfHome.resolve("hub");
        String token = env.get("HF_TOKEN");
        if (token == null || token.isBlank()) {
            Path tokenFile = env.containsKey("HF_TOKEN_PATH") ? Path.of(env.get("HF_TOKEN_PATH")) : hfHome.resolve("token");
            token = readToken(tokenFile);
        }
        String endpoint = env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT.toString());
        URI uri;
        try {
            uri = URI.create(endpoint.strip());
        } catch (IllegalArgumentException ex) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "HF_ENDPOINT '" + endpoint + "' is not a URL");
        }
        return new HubOptions(cache, truthy(env.get("HF_HUB_OFFLINE")), token, uri, Duration.ofSeconds(30));
    }

    public HubOptions withCacheDir(Path dir) {
        return new HubOptions(dir, offline, token, endpoint, timeout);
    }

    public HubOptions withOffline(boolean off) {
        return new HubOptions(cacheDir, off, token, endpoint, timeout);
    }

    public HubOptions withToken(String t) {
        return new HubOptions(cacheDir, offline, t, endpoint, timeout);
    }

    public HubOptions withEndpoint(URI e) {
        return new HubOptions(cacheDir, offline, token, e, timeout);
    }

    /** huggingface_hub's reading of boolean variables. */
    static boolean truthy(String v) {
        return v != null && switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }

    private static String readToken(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file).strip() : null;
        } catch (IOException e) {
            return null; // an unreadable token file is the same as none: public repos still work
        }
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "HubOptions[cacheDir=" + cacheDir + ", offline=" + offline + ", token=" + (token == null ? "none" : "set")
                + ", endpoint=" + endpoint + ", timeout=" + timeout + "]";
    }
}
