package dev.invariant.engine.model.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.model.LoadOptions;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelLoader;
import dev.invariant.engine.model.ProgressListener;
import dev.invariant.engine.model.synthetic.SyntheticExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubDownloadTest {
    static final String C1 = "1111111111111111111111111111111111111111";
    static final String C2 = "2222222222222222222222222222222222222222";
    static final Path STORIES = TestAssets.model("stories260K");

    @TempDir
    Path cacheDir;
    LocalHub hub;
    HubOptions online;

    @BeforeEach
    void start() throws IOException {
        hub = new LocalHub();
        hub.add("karpathy/stories260K", "main", C1, STORIES, Set.of("tokenizer_config.json"));
        hub.add("karpathy/stories260K", "v1", C2, STORIES, Set.of());
        online = new HubOptions(cacheDir, false, null, hub.endpoint(), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private Path snapshot(HubOptions options, String id) {
        return new HubDownloader(options, (task, done, total) -> { }).snapshot(RepoId.parse(id));
    }

    @Test
    void downloadsIntoTheHuggingFaceCacheLayout() throws IOException {
        var bytesSeen = new AtomicLong();
        long size = Files.size(STORIES.resolve("model.safetensors"));
        Path snap = new HubDownloader(online, (task, done, total) -> {
            if (task.endsWith("model.safetensors")) {
                assertEquals(size, total);
                bytesSeen.set(done);
            }
        }).snapshot(RepoId.parse("karpathy/stories260K"));

        Path repo = cacheDir.resolve("models--karpathy--stories260K");
        assertEquals(repo.resolve("snapshots").resolve(C1), snap);
        assertEquals(C1, Files.readString(repo.resolve("refs/main")));
        assertEquals(Files.size(STORIES.resolve("model.safetensors")), bytesSeen.get());
        for (String f : new String[] {"config.json", "generation_config.json", "tokenizer.json", "model.safetensors"}) {
            assertArrayEquals(Files.readAllBytes(STORIES.resolve(f)), Files.readAllBytes(snap.resolve(f)), f);
            assertTrue(Files.isSymbolicLink(snap.resolve(f)), f + " links into blobs/");
        }
        String sha = LocalHub.hex("SHA-256", Files.readAllBytes(STORIES.resolve("model.safetensors")));
        assertEquals(Path.of("../../blobs/" + sha), Files.readSymbolicLink(snap.resolve("model.safetensors")));
        assertFalse(Files.exists(snap.resolve("tokenizer_config.json")), "absent upstream");
        assertTrue(Files.exists(repo.resolve(".no_exist").resolve(C1).resolve("tokenizer_config.json")));
        assertTrue(hub.log.stream().filter(l -> l.startsWith("STORE")).noneMatch(l -> l.contains("Bearer")));
    }

    /** A chat template saved on its own (chat_template.jinja, not in tokenizer_config.json) comes with the model. */
    @Test
    void aChatTemplateSavedOnItsOwnIsDownloaded(@TempDir Path upstream) throws IOException {
        try (var files = Files.list(STORIES)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, upstream.resolve(f.getFileName()));
        }
        String template = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}";
        Files.writeString(upstream.resolve("chat_template.jinja"), template);
        hub.add("org/templated", "main", C1, upstream, Set.of());
        Path snap = snapshot(online, "org/templated");
        assertEquals(template, Files.readString(snap.resolve("chat_template.jinja")));
        assertFalse(Files.exists(snapshot(online, "karpathy/stories260K").resolve("chat_template.jinja")),
                "absent upstream");
    }

    @Test
    void aCachedModelNeedsNoNetworkAndOfflineModeUsesTheCache() {
        Path first = snapshot(online, "karpathy/stories260K");
        int requests = hub.log.size();
        assertEquals(first, snapshot(online, "karpathy/stories260K"));
        assertEquals(requests, hub.log.size(), "a complete snapshot is used without asking the hub");
        hub.close();
        assertEquals(first, snapshot(online.withOffline(true), "karpathy/stories260K"));
    }

    @Test
    void offlineWithoutTheModelSaysHowToGetIt() {
        var e = assertThrows(EngineException.class, () -> snapshot(online.withOffline(true), "karpathy/stories260K"));
        assertEquals(ErrorCode.UNKNOWN_MODEL, e.code());
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        assertEquals(0, hub.log.size(), "offline never touches the network");
    }

    @Test
    void revisionsGetTheirOwnSnapshotAndShareBlobs() throws IOException {
        snapshot(online, "karpathy/stories260K");
        long storeGets = hub.count("STORE GET");
        Path v1 = snapshot(online, "karpathy/stories260K@v1");
        Path repo = cacheDir.resolve("models--karpathy--stories260K");
        assertEquals(repo.resolve("snapshots").resolve(C2), v1);
        assertEquals(C2, Files.readString(repo.resolve("refs/v1")));
        assertTrue(Files.isRegularFile(v1.resolve("tokenizer_config.json")), "present at v1");
        assertEquals(storeGets, hub.count("STORE GET"), "the weights blob is reused, not fetched again");
        assertTrue(hub.log.stream().filter(l -> l.startsWith("HEAD /karpathy/stories260K/resolve/" + C2)).count() > 0,
                "files after the first are fetched at the pinned commit");
        Path byCommit = snapshot(online, "karpathy/stories260K@" + C1);
        assertEquals(repo.resolve("snapshots").resolve(C1), byCommit);
    }

    @Test
    void concurrentDownloadsOfOneModelFetchEachBlobOnce() throws Exception {
        int n = 4;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            var results = new java.util.ArrayList<java.util.concurrent.Future<Path>>();
            for (int i = 0; i < n; i++) results.add(pool.submit(() -> snapshot(online, "karpathy/stories260K")));
            for (var f : results) {
                Path snap = f.get();
                assertArrayEquals(Files.readAllBytes(STORIES.resolve("model.safetensors")),
                        Files.readAllBytes(snap.resolve("model.safetensors")));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, hub.count("STORE GET"), "the weights were downloaded once");
    }

    @Test
    void aRenamedRepoIsFollowed() throws IOException {
        hub.rename("karpathy/old-name", "karpathy/stories260K");
        Path snap = snapshot(online, "karpathy/old-name");
        assertEquals(cacheDir.resolve("models--karpathy--old-name/snapshots").resolve(C1), snap);
        assertArrayEquals(Files.readAllBytes(STORIES.resolve("model.safetensors")),
                Files.readAllBytes(snap.resolve("model.safetensors")));
    }

    @Test
    void privateRepoNeedsTheToken() {
        hub.requireToken("karpathy/stories260K", "hf_secret");
        var e = assertThrows(EngineException.class, () -> snapshot(online, "karpathy/stories260K"));
        assertEquals(ErrorCode.DOWNLOAD, e.code());
        assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());
        assertFalse(Files.exists(cacheDir.resolve("models--karpathy--stories260K/snapshots")));

        hub.log.clear();
        Path snap = snapshot(online.withToken("hf_secret"), "karpathy/stories260K");
        assertTrue(HubCache.isComplete(snap));
        assertTrue(hub.log.stream().filter(l -> l.startsWith("HEAD")).allMatch(l -> l.endsWith("Bearer hf_secret")));
        assertTrue(hub.log.stream().filter(l -> l.startsWith("STORE")).noneMatch(l -> l.contains("Bearer")),
                "the token never goes to another origin");
    }

    @Test
    void theLoaderResolvesHubIdsEndToEnd(@TempDir Path tmp) throws IOException {
        Path sharded = SyntheticExport.export("synthetic:tiny", tmp.resolve("tiny"), 100_000, ProgressListener.NONE);
        Files.copy(STORIES.resolve("tokenizer.json"), sharded.resolve("tokenizer.json"));
        hub.add("test/tiny-sharded", "main", C2, sharded, Set.of());
        var options = new LoadOptions(online, tmp.resolve("digests"), ProgressListener.NONE);

        Model m = ModelLoader.load("test/tiny-sharded", options);
        assertEquals("test/tiny-sharded", m.id());
        assertEquals(cacheDir.resolve("models--test--tiny-sharded/snapshots").resolve(C2), m.folder());
        assertEquals(ModelLoader.load("synthetic:tiny", options).weightsDigest(), m.weightsDigest());
        try (var files = Files.list(m.folder())) {
            assertTrue(files.filter(p -> p.getFileName().toString().startsWith("model-0000")).count() > 1, "shards");
        }

        Model stories = ModelLoader.load("karpathy/stories260K@v1", options);
        assertEquals(ModelLoader.load(STORIES.toString(), options).weightsDigest(), stories.weightsDigest());
    }

    @Test
    void unknownRepoOrRevisionIsUnknownModel() {
        var repo = assertThrows(EngineException.class, () -> snapshot(online, "nobody/nothing"));
        assertEquals(ErrorCode.UNKNOWN_MODEL, repo.code());
        assertTrue(repo.getMessage().contains("nobody/nothing"), repo.getMessage());
        var rev = assertThrows(EngineException.class, () -> snapshot(online, "karpathy/stories260K@v9"));
        assertEquals(ErrorCode.UNKNOWN_MODEL, rev.code());
        assertTrue(rev.getMessage().contains("v9"), rev.getMessage());
    }

    @Test
    void anInterruptedDownloadLeavesNoBrokenEntryAndResumes() throws IOException {
        hub.truncateNext.set(true);
        var e = assertThrows(EngineException.class, () -> snapshot(online, "karpathy/stories260K"));
        assertEquals(ErrorCode.DOWNLOAD, e.code());
        Path repo = cacheDir.resolve("models--karpathy--stories260K");
        String sha = LocalHub.hex("SHA-256", Files.readAllBytes(STORIES.resolve("model.safetensors")));
        assertFalse(Files.exists(repo.resolve("blobs").resolve(sha)), "no blob from a partial body");
        assertFalse(Files.exists(repo.resolve("snapshots").resolve(C1).resolve("model.safetensors")));
        assertFalse(Files.exists(repo.resolve("refs/main")), "the ref comes last");
        assertTrue(new HubCache(cacheDir).completeSnapshot(RepoId.parse("karpathy/stories260K")).isEmpty());

        Path snap = snapshot(online, "karpathy/stories260K");
        assertTrue(hub.log.stream().anyMatch(l -> l.startsWith("STORE GET") && l.contains("bytes=")), "resumed");
        assertArrayEquals(Files.readAllBytes(STORIES.resolve("model.safetensors")),
                Files.readAllBytes(snap.resolve("model.safetensors")));
        assertFalse(Files.exists(repo.resolve("blobs").resolve(sha + ".incomplete")));
    }

    @Test
    void aStalledDownloadTimesOutAndKeepsItsPartialFile() throws IOException {
        hub.stallMillis = 10_000;
        hub.stallNext.set(true);
        HubOptions impatient = new HubOptions(cacheDir, false, null, hub.endpoint(), Duration.ofMillis(500));
        long t0 = System.nanoTime();
        var e = assertThrows(EngineException.class, () -> snapshot(impatient, "karpathy/stories260K"));
        assertEquals(ErrorCode.DOWNLOAD, e.code());
        assertTrue(e.getMessage().contains("no data"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 8_000_000_000L, "gave up before the server woke");
        String sha = LocalHub.hex("SHA-256", Files.readAllBytes(STORIES.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(cacheDir.resolve("models--karpathy--stories260K/blobs/" + sha + ".incomplete")));
        assertFalse(Files.exists(cacheDir.resolve("models--karpathy--stories260K/refs/main")));
    }

    @Test
    void aCorruptDownloadIsRejectedAndRemoved() throws IOException {
        hub.corruptNext.set(true);
        var e = assertThrows(EngineException.class, () -> snapshot(online, "karpathy/stories260K"));
        assertEquals(ErrorCode.DOWNLOAD, e.code());
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        Path blobs = cacheDir.resolve("models--karpathy--stories260K/blobs");
        try (var files = Files.list(blobs)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().length() >= 64
                    && !p.getFileName().toString().matches("[0-9a-f]{40}")), "neither blob nor partial of the weights");
        }
        Path snap = snapshot(online, "karpathy/stories260K");
        assertArrayEquals(Files.readAllBytes(STORIES.resolve("model.safetensors")),
                Files.readAllBytes(snap.resolve("model.safetensors")));
    }
}
