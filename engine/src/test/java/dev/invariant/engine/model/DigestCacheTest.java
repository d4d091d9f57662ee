package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.TestAssets;
import dev.invariant.engine.model.synthetic.SyntheticExport;
import dev.invariant.engine.model.synthetic.SyntheticModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigestCacheTest {

    private static Supplier<String> counting(AtomicInteger calls, Supplier<String> real) {
        return () -> {
            calls.incrementAndGet();
            return real.get();
        };
    }

    @Test
    void writableFolderKeepsTheEntryBesideTheModel(@TempDir Path tmp) throws IOException {
        Path folder = SyntheticExport.export("synthetic:tiny", tmp.resolve("m"));
        var cache = new DigestCache(tmp.resolve("cache"));
        var calls = new AtomicInteger();
        Supplier<String> compute = counting(calls, () -> {
            try (var r = SafetensorsReader.openFolder(folder)) {
                return WeightsDigest.compute(r.tensors());
            }
        });
        String first = cache.forFolder(folder, compute);
        assertTrue(Files.isRegularFile(folder.resolve(DigestCache.FOLDER_FILE)));
        assertEquals(first, cache.forFolder(folder, compute));
        assertEquals(1, calls.get(), "the second lookup is a cache hit");
        // the same weights as the generator's own digest
        assertEquals(first, SyntheticModel.create("synthetic:tiny").digest(cache, ProgressListener.NONE));

        Path weights = folder.resolve("model.safetensors");
        Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() - 5000));
        assertEquals(first, cache.forFolder(folder, compute));
        assertEquals(2, calls.get(), "a changed file invalidates the entry");

        Files.writeString(folder.resolve(DigestCache.FOLDER_FILE), "{ not json");
        assertEquals(first, cache.forFolder(folder, compute));
        assertEquals(3, calls.get(), "a corrupt entry is a miss, then rewritten");
        assertEquals(first, cache.forFolder(folder, compute));
        assertEquals(3, calls.get());
    }

    @Test
    void readOnlyFolderFallsBackToTheCacheDir(@TempDir Path tmp) {
        Path folder = TestAssets.model("stories260K");
        assertFalse(DigestCache.writableFolder(folder), "the shared models are read-only (even to root)");
        var cache = new DigestCache(tmp.resolve("cache"));
        var calls = new AtomicInteger();
        Supplier<String> compute = counting(calls, () -> {
            try (var r = SafetensorsReader.openFolder(folder)) {
                return WeightsDigest.compute(r.tensors());
            }
        });
        String first = cache.forFolder(folder, compute);
        assertTrue(Files.isRegularFile(cache.fallbackFile(folder)));
        assertFalse(Files.exists(folder.resolve(DigestCache.FOLDER_FILE)), "nothing is written into a read-only folder");
        assertEquals(first, cache.forFolder(folder, compute));
        assertEquals(1, calls.get());
        assertTrue(first.matches("[0-9a-f]{64}"));
    }

    @Test
    void syntheticDigestIsRememberedByIdAndVersion(@TempDir Path tmp) {
        var cache = new DigestCache(tmp);
        var seen = new AtomicInteger();
        SyntheticModel m = SyntheticModel.create("synthetic:tiny-qwen2");
        String d = m.digest(cache, (task, done, total) -> seen.incrementAndGet());
        assertTrue(seen.get() > 0, "progress is reported while digesting");
        seen.set(0);
        assertEquals(d, SyntheticModel.create("synthetic:tiny-qwen2@bf16").digest(cache, (task, done, total) -> seen.incrementAndGet()));
        assertEquals(0, seen.get(), "the second digest comes from the cache");
        assertEquals(d, WeightsDigest.compute(m.tensors()));
    }
}
