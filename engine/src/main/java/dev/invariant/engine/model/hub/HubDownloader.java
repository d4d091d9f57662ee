package dev.invariant.engine.model.hub;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.ProgressListener;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Fetches a model repository into the hub cache the way huggingface_hub does: {@code HEAD} each file at
 * {@code {endpoint}/{org}/{name}/resolve/{revision}/{file}} for its commit, ETag and size, then
 * {@code GET} it (following the redirect to the file store). The first file pins the commit; every
 * later file is fetched at that commit, so a snapshot never mixes two revisions. A revision whose
 * snapshot is already complete in the cache is used with no network at all.
 */
public final class HubDownloader {
    private final HubOptions options;
    private final HubCache cache;
    private final ProgressListener progress;
    private final HttpClient http;

    public HubDownloader(HubOptions options, ProgressListener progress) {
        this.options = options;
        this.cache = new HubCache(options.cacheDir());
        this.progress = progress;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(options.timeout()).build();
    }

    public HubCache cache() {
        return cache;
    }

    /** The local snapshot folder of {@code repo}, downloading what is missing unless offline. */
    public Path snapshot(RepoId repo) {
        Optional<Path> cached = cache.completeSnapshot(repo);
        if (cached.isPresent()) return cached.get();
        if (options.offline()) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, repo + " is not fully in the hub cache at "
                    + options.cacheDir() + " and HF_HUB_OFFLINE is set: unset HF_HUB_OFFLINE to download it, or point "
                    + "HF_HOME / HF_HUB_CACHE at a cache that holds it");
        }
        try {
            return download(repo);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.DOWNLOAD, "cannot write to the hub cache " + options.cacheDir() + ": "
                    + e.getMessage() + "; check permissions and free space, or set HF_HOME elsewhere", e);
        }
    }

    private Path download(RepoId repo) throws IOException {
        FileMetadata config = head(repo, repo.revision(), "config.json", true);
        String commit = config.commit() != null ? config.commit() : repo.revisionIsCommit() ? repo.revision() : null;
        if (!RepoId.isCommit(commit)) {
            throw new EngineException(ErrorCode.DOWNLOAD, options.endpoint() + " answered for " + repo
                    + " without an X-Repo-Commit header naming a commit: is HF_ENDPOINT a Hugging Face hub?");
        }
        fetch(repo, commit, "config.json", config);
        fetch(repo, commit, "tokenizer.json", true);
        for (String f : HubCache.OPTIONAL) fetch(repo, commit, f, false);
        if (fetch(repo, commit, HubCache.INDEX, false)) {
            Path index = cache.snapshotDir(repo, commit).resolve(HubCache.INDEX);
            List<String> shards;
            try {
                shards = HubCache.shards(index);
            } catch (IllegalArgumentException | IOException e) {
                Files.deleteIfExists(index);
                throw new EngineException(ErrorCode.MODEL_FORMAT, repo + ": " + HubCache.INDEX + " is not a valid index ("
                        + e.getMessage() + ")");
            }
            for (String shard : shards) fetch(repo, commit, shard, true);
        } else if (!fetch(repo, commit, HubCache.SINGLE, false)) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, repo + " has neither " + HubCache.SINGLE + " nor "
                    + HubCache.INDEX + ": only safetensors weights are supported");
        }
        cache.writeRef(repo, commit);
        return cache.snapshotDir(repo, commit);
    }

    /** Fetches one file unless already linked; false when an optional file does not exist upstream. */
    private boolean fetch(RepoId repo, String commit, String file, boolean required) throws IOException {
        Path linked = cache.snapshotDir(repo, commit).resolve(file);
        if (Files.isRegularFile(linked)) return true;
        if (!required && cache.knownMissing(repo, commit, file)) return false;
        FileMetadata meta = head(repo, commit, file, required);
        if (meta == null) {
            cache.markMissing(repo, commit, file);
            return false;
        }
        fetch(repo, commit, file, meta);
        return true;
    }

    private void fetch(RepoId repo, String commit, String file, FileMetadata meta) throws IOException {
        if (meta.etag() == null) {
            throw new EngineException(ErrorCode.DOWNLOAD, options.endpoint() + " sent no usable ETag for " + repo.repo()
                    + "/" + file + ": cannot place it in the cache");
        }
        Path blob = cache.blob(repo, meta.etag());
        if (!Files.isRegularFile(blob) || (meta.size() >= 0 && Files.size(blob) != meta.size())) {
            new BlobTransfer(http, options, progress).fetch(meta, blob, cache.incomplete(repo, meta.etag()),
                    repo.repo() + "/" + file);
        }
        cache.link(repo, commit, file, meta.etag());
    }

    /** The metadata of a file, or null when an optional file is absent (404). */
    private FileMetadata head(RepoId repo, String revision, String file, boolean required) {
        URI uri = resolveUri(repo, revision, file);
        HttpResponse<Void> r = BlobTransfer.send(http, options, HttpRequest.newBuilder(uri)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept-Encoding", "identity"), uri,
                HttpResponse.BodyHandlers.discarding());
        int s = r.statusCode();
        if (s == 200 || (s >= 300 && s < 400 && r.headers().firstValue("Location").isPresent())) {
            return FileMetadata.from(r.headers(), uri);
        }
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        if (s == 404 && !required && !code.equals("RepoNotFound") && !code.equals("RevisionNotFound")) return null;
        throw switch (s) {
            case 401, 403 -> new EngineException(ErrorCode.DOWNLOAD, repo + ": access denied (" + s
                    + (code.isEmpty() ? "" : " " + code) + ") for " + file + ": the repo may be gated or private; "
                    + "accept its terms on the hub and set HF_TOKEN to a token that can read it");
            case 404 -> new EngineException(ErrorCode.UNKNOWN_MODEL, switch (code) {
                case "RepoNotFound" -> "no repository " + repo.repo() + " at " + options.endpoint()
                        + " (or it is private: set HF_TOKEN)";
                case "RevisionNotFound" -> repo.repo() + " has no revision '" + revision + "'";
                default -> repo + " has no " + file + " at " + uri + ": is it a Hugging Face model repository?";
            });
            default -> new EngineException(ErrorCode.DOWNLOAD, "HEAD " + uri + " answered " + s
                    + ": try again later, or set HF_HUB_OFFLINE=1 to use the cache only");
        };
    }

    URI resolveUri(RepoId repo, String revision, String file) {
        return URI.create(options.endpoint() + "/" + repo.org() + "/" + repo.name() + "/resolve/"
                + URLEncoder.encode(revision, StandardCharsets.UTF_8) + "/" + file);
    }
}
