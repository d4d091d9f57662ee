package dev.invariant.engine.model.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The Hugging Face hub cache layout, shared with huggingface_hub, vLLM and transformers:
 * <pre>
 *   {cache}/models--{org}--{name}/blobs/{etag}                  file contents, named by ETag
 *                                 snapshots/{commit}/{file}     relative symlinks to ../../blobs/{etag}
 *                                 refs/{revision}               the commit a branch or tag pointed to
 *                                 .no_exist/{commit}/{file}     empty marker: the file is absent upstream
 *   {cache}/.locks/models--{org}--{name}/{etag}.lock              held while a blob downloads
 * </pre>
 * A blob appears only complete and verified (written as {@code {etag}.incomplete}, then renamed), a
 * snapshot link only after its blob, and a ref only after every file of the snapshot.
 */
public final class HubCache {
    /** Files every model snapshot must hold; the weights are checked separately. */
    static final List<String> REQUIRED = List.of("config.json", "tokenizer.json");
    /** chat_template.jinja: where transformers (4.43 on) saves a chat template, tokenizer_config.json then has none. */
    static final List<String> OPTIONAL = List.of("generation_config.json", "tokenizer_config.json",
            "chat_template.jinja");
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path repoDir(RepoId repo) {
        return root.resolve(repo.cacheFolderName());
    }

    public Path snapshotDir(RepoId repo, String commit) {
        return repoDir(repo).resolve("snapshots").resolve(commit);
    }

    Path blob(RepoId repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(etag);
    }

    Path incomplete(RepoId repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(etag + ".incomplete");
    }

    Path lockFile(RepoId repo, String etag) {
        return root.resolve(".locks").resolve(repo.cacheFolderName()).resolve(etag + ".lock");
    }

    /** The commit the revision resolves to in the cache, if known. */
    public Optional<String> commitOf(RepoId repo) {
        if (repo.revisionIsCommit()) return Optional.of(repo.revision());
        Path ref = repoDir(repo).resolve("refs").resolve(repo.revision());
        try {
            String c = Files.isRegularFile(ref) ? Files.readString(ref).strip() : null;
            return RepoId.isCommit(c) ? Optional.of(c) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The snapshot folder of the revision when it holds a complete model (config, tokenizer, all weights). */
    public Optional<Path> completeSnapshot(RepoId repo) {
        return commitOf(repo).map(c -> snapshotDir(repo, c)).filter(HubCache::isComplete);
    }

    /** Whether a snapshot folder holds the required files and every weight file its index names. */
    static boolean isComplete(Path snapshot) {
        for (String f : REQUIRED) {
            if (!Files.isRegularFile(snapshot.resolve(f))) return false;
        }
        if (Files.isRegularFile(snapshot.resolve(SINGLE))) return true;
        Path index = snapshot.resolve(INDEX);
        if (!Files.isRegularFile(index)) return false;
        try {
            for (String shard : shards(index)) {
                if (!Files.isRegularFile(snapshot.resolve(shard))) return false;
            }
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The shard files an index names, in name order; each is a plain file name. */
    static List<String> shards(Path index) throws IOException {
        JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
        if (!map.isObject() || map.isEmpty()) throw new IllegalArgumentException(index + " has no weight_map");
        var names = new TreeSet<String>();
        for (JsonNode v : map) {
            String s = v.asText();
            if (!s.matches("[A-Za-z0-9._-]+\\.safetensors")) {
                throw new IllegalArgumentException(index + " names an unexpected shard '" + s + "'");
            }
            names.add(s);
        }
        return new ArrayList<>(names);
    }

    /** Points {@code snapshots/{commit}/{file}} at the blob: a relative symlink, or a copy where links are refused. */
    void link(RepoId repo, String commit, String file, String etag) throws IOException {
        Path target = snapshotDir(repo, commit).resolve(file);
        Files.createDirectories(target.getParent());
        Path blob = blob(repo, etag);
        Path tmp = unique(target);
        try {
            Files.createSymbolicLink(tmp, target.getParent().relativize(blob));
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A temporary name beside {@code p}, unique so that concurrent writers never share one. */
    private static Path unique(Path p) {
        return p.resolveSibling("." + p.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
    }

    void markMissing(RepoId repo, String commit, String file) throws IOException {
        Path marker = repoDir(repo).resolve(".no_exist").resolve(commit).resolve(file);
        Files.createDirectories(marker.getParent());
        try {
            Files.createFile(marker);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // another download marked it first
        }
    }

    boolean knownMissing(RepoId repo, String commit, String file) {
        return Files.exists(repoDir(repo).resolve(".no_exist").resolve(commit).resolve(file));
    }

    void writeRef(RepoId repo, String commit) throws IOException {
        if (repo.revisionIsCommit()) return;
        Path ref = repoDir(repo).resolve("refs").resolve(repo.revision());
        Files.createDirectories(ref.getParent());
        Path tmp = unique(ref);
        Files.writeString(tmp, commit);
        Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
