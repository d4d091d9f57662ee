package dev.invariant.engine.model.hub;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Downloads one blob: into {@code {etag}.incomplete} (resuming with a Range request when a previous
 * attempt left one), checks its size and, for LFS files, its SHA-256 against the ETag, and only then
 * renames it to {@code blobs/{etag}}. A failed check deletes the partial file, so a broken download
 * never becomes a cache entry.
 */
final class BlobTransfer {
    private static final int MAX_REDIRECTS = 5;
    private final HttpClient http;
    private final HubOptions options;
    private final ProgressListener progress;

    BlobTransfer(HttpClient http, HubOptions options, ProgressListener progress) {
        this.http = http;
        this.options = options;
        this.progress = progress;
    }

    void fetch(FileMetadata meta, Path blob, Path incomplete, String label) throws IOException {
        Files.createDirectories(blob.getParent());
        long have = Files.isRegularFile(incomplete) ? Files.size(incomplete) : 0;
        if (meta.size() >= 0 && have > meta.size()) {
            Files.delete(incomplete);
            have = 0;
        }
        URI uri = meta.location();
        HttpResponse<InputStream> r = null;
        for (int hop = 0; ; hop++) {
            var req = HttpRequest.newBuilder(uri).GET().header("Accept-Encoding", "identity");
            if (have > 0) req.header("Range", "bytes=" + have + "-");
            r = send(http, options, req, uri, HttpResponse.BodyHandlers.ofInputStream());
            String loc = r.headers().firstValue("Location").orElse(null);
            if (r.statusCode() / 100 != 3 || loc == null) break;
            r.body().close();
            if (hop == MAX_REDIRECTS) throw failure(label, "too many redirects", null);
            uri = uri.resolve(loc);
        }
        int s = r.statusCode();
        if (s == 416 && have > 0) { // the partial file is already whole or wrong: start over
            r.body().close();
            Files.delete(incomplete);
            fetch(meta, blob, incomplete, label);
            return;
        }
        if (s != 200 && s != 206) {
            r.body().close();
            throw failure(label, "GET " + uri + " answered " + s, null);
        }
        boolean append = s == 206;
        long done = append ? have : 0;
        long total = meta.size() >= 0 ? meta.size() : -1;
        String task = "download " + label;
        try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(incomplete, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            progress.progress(task, done, total);
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                done += n;
                progress.progress(task, done, total);
            }
        } catch (IOException e) {
            // keep the partial file: the next attempt resumes from it
            throw failure(label, "interrupted after " + done + (total >= 0 ? " of " + total : "") + " bytes ("
                    + e.getMessage() + "); run again to resume", e);
        }
        verify(meta, incomplete, label);
        Files.move(incomplete, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void verify(FileMetadata meta, Path file, String label) throws IOException {
        long size = Files.size(file);
        if (meta.size() >= 0 && size != meta.size()) {
            if (size < meta.size()) {
                throw failure(label, "the connection ended after " + size + " of " + meta.size()
                        + " bytes; run again to resume", null);
            }
            Files.delete(file);
            throw failure(label, "got " + size + " bytes, expected " + meta.size() + "; the partial file was removed, "
                    + "run again", null);
        }
        if (meta.etagIsSha256()) {
            String sha = sha256(file);
            if (!sha.equals(meta.etag())) {
                Files.delete(file);
                throw failure(label, "content SHA-256 " + sha + " does not match the hub's " + meta.etag()
                        + "; the corrupt file was removed, run again", null);
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static EngineException failure(String label, String what, Throwable cause) {
        return new EngineException(ErrorCode.DOWNLOAD, "download of " + label + " failed: " + what, cause);
    }

    /**
     * Sends a request with the user agent, and the token only to the hub endpoint's own host (never to
     * the file store a redirect points at). Network failures become DOWNLOAD errors that name the way out.
     */
    static <T> HttpResponse<T> send(HttpClient http, HubOptions options, HttpRequest.Builder req, URI uri,
                                    HttpResponse.BodyHandler<T> body) {
        req.timeout(options.timeout()).header("User-Agent", "invariant/0.1 (java " + Runtime.version().feature() + ")");
        if (options.token() != null && sameOrigin(uri, options.endpoint())) {
            req.header("Authorization", "Bearer " + options.token());
        }
        try {
            return http.send(req.build(), body);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.DOWNLOAD, "cannot reach " + uri + " (" + e + "): check the network and "
                    + "HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use models already in the cache", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(ErrorCode.DOWNLOAD, "interrupted while fetching " + uri, e);
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort();
    }
}
