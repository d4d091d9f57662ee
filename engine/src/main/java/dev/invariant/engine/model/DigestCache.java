package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * Remembers weights digests in small JSON files (docs/weights-digest.md, "Cache"). For a model folder
 * the entry lives in {@code <folder>/.invariant-digest.json}, or, when the folder is read-only, in
 * {@code <cacheDir>/<sha256 of the folder's real path>.json}. An entry is used only when its format
 * and its list of weight files (name, size, modification time) equal the folder's now; anything else
 * (missing, stale, unreadable) means the digest is computed again. Writes are atomic.
 */
public final class DigestCache {
    public static final String FOLDER_FILE = ".invariant-digest.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path cacheDir;

    /** @param cacheDir where entries go when a model folder is read-only, and synthetic entries */
    public DigestCache(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /** {@code $INVARIANT_CACHE/digests}, else {@code $XDG_CACHE_HOME/invariant/digests}, else ~/.cache/invariant/digests. */
    public static Path defaultDir() {
        String inv = System.getenv("INVARIANT_CACHE");
        if (inv != null && !inv.isBlank()) return Path.of(inv, "digests");
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("invariant").resolve("digests");
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** The digest of the weights in {@code folder}, from the cache when still valid, else from {@code compute}. */
    public String forFolder(Path folder, Supplier<String> compute) {
        ArrayNode files = weightFiles(folder);
        Path inFolder = folder.resolve(FOLDER_FILE);
        Path fallback = cacheDir.resolve(pathKey(folder) + ".json");
        for (Path p : List.of(inFolder, fallback)) {
            String hit = read(p, files);
            if (hit != null) return hit;
        }
        String digest = compute.get();
        ObjectNode entry = entry(digest, files);
        entry.put("folder", folder.toAbsolutePath().normalize().toString());
        if (!writableFolder(folder) || !write(inFolder, entry)) write(fallback, entry);
        return digest;
    }

    /** The digest of a generated model, keyed by its canonical id and generator version. */
    public String forKey(String key, Supplier<String> compute) {
        ArrayNode none = JSON.createArrayNode();
        Path p = cacheDir.resolve(key.replaceAll("[^A-Za-z0-9._@-]", "_") + ".json");
        String hit = read(p, none);
        if (hit != null) return hit;
        String digest = compute.get();
        write(p, entry(digest, none));
        return digest;
    }

    /** Where {@link #forFolder} keeps the entry of a read-only folder. */
    public Path fallbackFile(Path folder) {
        return cacheDir.resolve(pathKey(folder) + ".json");
    }

    /**
     * Whether to keep the entry beside the model. A folder whose mode grants no write permission is
     * read-only here even to root (which the file system would let write): shared model folders stay untouched.
     */
    static boolean writableFolder(Path folder) {
        if (!Files.isWritable(folder)) return false;
        try {
            return Files.getPosixFilePermissions(folder).contains(PosixFilePermission.OWNER_WRITE);
        } catch (UnsupportedOperationException | IOException e) {
            return true; // not POSIX: isWritable already answered
        }
    }

    private static ObjectNode entry(String digest, ArrayNode files) {
        ObjectNode e = JSON.createObjectNode();
        e.put("format", WeightsDigest.FORMAT);
        e.put("digest", digest);
        e.set("files", files);
        return e;
    }

    private static String read(Path p, ArrayNode files) {
        try {
            if (!Files.isRegularFile(p)) return null;
            JsonNode n = JSON.readTree(p.toFile());
            // compared as text: Jackson reads small sizes back as ints, which never equal the longs written
            boolean same = WeightsDigest.FORMAT.equals(n.path("format").asText())
                    && files.toString().equals(String.valueOf(n.get("files")));
            if (!same) return null;
            String d = n.path("digest").asText();
            return d.matches("[0-9a-f]{64}") ? d : null;
        } catch (IOException | RuntimeException e) {
            return null; // an unreadable entry is a miss: the digest is simply computed again
        }
    }

    private static boolean write(Path p, ObjectNode entry) {
        Path tmp = null;
        try {
            Files.createDirectories(p.getParent());
            tmp = Files.createTempFile(p.getParent(), ".digest", ".tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(entry) + "\n");
            Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            try {
                if (tmp != null) Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do: the cache is an optimisation
            }
            return false;
        }
    }

    /** The folder's weight files (*.safetensors, *.safetensors.index.json) with size and mtime, by name. */
    static ArrayNode weightFiles(Path folder) {
        var names = new ArrayList<Path>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder, "*.{safetensors,safetensors.index.json}")) {
            ds.forEach(names::add);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + folder, e);
        }
        names.sort(null);
        ArrayNode out = JSON.createArrayNode();
        for (Path f : names) {
            try {
                out.addObject().put("name", f.getFileName().toString()).put("size", Files.size(f))
                        .put("mtime_ms", Files.getLastModifiedTime(f).toMillis());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot stat " + f, e);
            }
        }
        return out;
    }

    private static String pathKey(Path folder) {
        Path real;
        try {
            real = folder.toRealPath();
        } catch (IOException e) {
            real = folder.toAbsolutePath().normalize();
        }
        return HexFormat.of().formatHex(WeightsDigest.sha256().digest(real.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
