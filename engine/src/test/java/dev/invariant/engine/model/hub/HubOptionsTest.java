package dev.invariant.engine.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubOptionsTest {

    @Test
    void defaultsFollowHuggingFaceHub(@TempDir Path home) {
        HubOptions o = HubOptions.fromEnv(Map.of(), home);
        assertEquals(home.resolve(".cache/huggingface/hub"), o.cacheDir());
        assertEquals(URI.create("https://huggingface.co"), o.endpoint());
        assertFalse(o.offline());
        assertNull(o.token());
    }

    @Test
    void environmentOverrides(@TempDir Path home) throws IOException {
        Path hfHome = home.resolve("hf");
        Files.createDirectories(hfHome);
        Files.writeString(hfHome.resolve("token"), "hf_fromfile\n");
        HubOptions o = HubOptions.fromEnv(Map.of("HF_HOME", hfHome.toString(), "HF_HUB_OFFLINE", "1",
                "HF_ENDPOINT", "http://mirror.local:8080/"), home);
        assertEquals(hfHome.resolve("hub"), o.cacheDir());
        assertTrue(o.offline());
        assertEquals("hf_fromfile", o.token());
        assertEquals(URI.create("http://mirror.local:8080"), o.endpoint());
        assertFalse(o.toString().contains("hf_fromfile"), "the token is never printed");

        HubOptions p = HubOptions.fromEnv(Map.of("HF_HOME", hfHome.toString(), "HF_HUB_CACHE", "/x/cache",
                "HF_TOKEN", "hf_env", "HF_HUB_OFFLINE", "false"), home);
        assertEquals(Path.of("/x/cache"), p.cacheDir());
        assertEquals("hf_env", p.token());
        assertFalse(p.offline());
    }

    @Test
    void badEndpointIsRejected(@TempDir Path home) {
        var e = assertThrows(EngineException.class,
                () -> HubOptions.fromEnv(Map.of("HF_ENDPOINT", "ftp://x"), home));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertTrue(e.getMessage().contains("HF_ENDPOINT"), e.getMessage());
    }

    @Test
    void repoIds() {
        RepoId r = RepoId.parse("Qwen/Qwen2.5-0.5B-Instruct@refs/pr/1");
        assertEquals("Qwen", r.org());
        assertEquals("Qwen2.5-0.5B-Instruct", r.name());
        assertEquals("refs/pr/1", r.revision());
        assertEquals("models--Qwen--Qwen2.5-0.5B-Instruct", r.cacheFolderName());
        assertEquals("main", RepoId.parse("a/b").revision());
        for (String bad : new String[] {"a", "a/b/c", "../x", "a/..", "a/b@", "/a/b"}) {
            assertFalse(RepoId.looksLike(bad), bad);
        }
    }
}
