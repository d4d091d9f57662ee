package dev.invariant.engine.model.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server that answers like the Hugging Face hub for model folders on disk:
 * {@code HEAD/GET /{org}/{name}/resolve/{revision}/{file}} with X-Repo-Commit and ETag headers, 404s with
 * X-Error-Code, 401 for private repos without the right bearer token, and *.safetensors answered by a
 * redirect to a second server (the file store, another origin) that serves bytes by SHA-256 with Range
 * support. It can cut the next file-store body short, stall it or corrupt it, as networks and disks do.
 */
final class LocalHub implements AutoCloseable {
    record Revision(String commit, Path folder, Set<String> hidden) {
    }

    private static final Pattern RESOLVE = Pattern.compile("/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)");
    private final HttpServer hub;
    private final HttpServer store;
    private final Map<String, Map<String, Revision>> repos = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    /** Closing interrupts a stalled handler, so that tests end without waiting for it. */
    private final java.util.concurrent.ExecutorService storeThreads = java.util.concurrent.Executors.newCachedThreadPool();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    /** "METHOD path [auth]" of every request, hub and store alike. */
    final List<String> log = new CopyOnWriteArrayList<>();
    final AtomicBoolean truncateNext = new AtomicBoolean();
    final AtomicBoolean corruptNext = new AtomicBoolean();
    /** Sends a third of the next body, then nothing for this long. */
    final AtomicBoolean stallNext = new AtomicBoolean();
    volatile long stallMillis = 3000;

    LocalHub() throws IOException {
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        store = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        store.setExecutor(storeThreads);
        hub.createContext("/", this::hub);
        store.createContext("/", this::store);
        hub.start();
        store.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    void add(String repo, String revision, String commit, Path folder, Set<String> hidden) {
        var r = new Revision(commit, folder, hidden);
        repos.computeIfAbsent(repo, k -> new ConcurrentHashMap<>()).put(revision, r);
        repos.get(repo).put(commit, r);
    }

    void rename(String oldRepo, String newRepo) {
        renamed.put(oldRepo, newRepo);
    }

    void requireToken(String repo, String token) {
        tokens.put(repo, token);
    }

    long count(String prefix) {
        return log.stream().filter(l -> l.startsWith(prefix)).count();
    }

    private void hub(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        log.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + (auth == null ? "" : " " + auth));
        try (ex) {
            Matcher m = RESOLVE.matcher(ex.getRequestURI().getPath());
            if (!m.matches()) {
                error(ex, 404, "RepoNotFound");
                return;
            }
            String repo = m.group(1) + "/" + m.group(2);
            String movedTo = renamed.get(repo);
            if (movedTo != null) { // as the hub answers for a renamed repo: a relative redirect
                ex.getResponseHeaders().set("Location", "/" + movedTo + "/resolve/" + m.group(3) + "/" + m.group(4));
                ex.sendResponseHeaders(307, -1);
                return;
            }
            Map<String, Revision> revs = repos.get(repo);
            String token = tokens.get(repo);
            if (revs == null || (token != null && !("Bearer " + token).equals(auth))) {
                error(ex, revs == null ? 404 : 401, "RepoNotFound");
                return;
            }
            Revision rev = revs.get(java.net.URLDecoder.decode(m.group(3), StandardCharsets.UTF_8));
            if (rev == null) {
                error(ex, 404, "RevisionNotFound");
                return;
            }
            String file = m.group(4);
            Path p = rev.folder().resolve(file);
            if (rev.hidden().contains(file) || file.contains("..") || !Files.isRegularFile(p)) {
                error(ex, 404, "EntryNotFound");
                return;
            }
            byte[] bytes = Files.readAllBytes(p);
            var h = ex.getResponseHeaders();
            h.set("X-Repo-Commit", rev.commit());
            if (file.endsWith(".safetensors")) { // LFS file: metadata here, bytes at the store
                String sha = hex("SHA-256", bytes);
                blobs.put(sha, bytes);
                h.set("X-Linked-Etag", "\"" + sha + "\"");
                h.set("X-Linked-Size", Long.toString(bytes.length));
                h.set("Location", "http://127.0.0.1:" + store.getAddress().getPort() + "/blobs/" + sha);
                ex.sendResponseHeaders(302, -1);
                return;
            }
            byte[] head = ("blob " + bytes.length + "\0").getBytes(StandardCharsets.UTF_8);
            byte[] both = new byte[head.length + bytes.length];
            System.arraycopy(head, 0, both, 0, head.length);
            System.arraycopy(bytes, 0, both, head.length, bytes.length);
            h.set("ETag", "\"" + hex("SHA-1", both) + "\""); // git's blob id, as the hub sends for small files
            if (ex.getRequestMethod().equals("HEAD")) {
                h.set("Content-Length", Long.toString(bytes.length));
                ex.sendResponseHeaders(200, -1);
            } else {
                ex.sendResponseHeaders(200, bytes.length);
                ex.getResponseBody().write(bytes);
            }
        }
    }

    private void store(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add("STORE " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath()
                + (range == null ? "" : " " + range) + (auth == null ? "" : " " + auth));
        try (ex) {
            byte[] bytes = blobs.get(ex.getRequestURI().getPath().replaceFirst("^/blobs/", ""));
            if (bytes == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            if (range != null) {
                ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
            }
            byte[] body = java.util.Arrays.copyOfRange(bytes, from, bytes.length);
            if (corruptNext.getAndSet(false)) body[body.length / 2] ^= 0x40;
            boolean cut = truncateNext.getAndSet(false), stall = stallNext.getAndSet(false);
            // a cut response ends cleanly but early (chunked), as behind a proxy that gave up
            ex.sendResponseHeaders(range == null ? 200 : 206, cut ? 0 : body.length);
            OutputStream out = ex.getResponseBody();
            if (cut || stall) {
                out.write(body, 0, body.length / 3);
                out.flush();
                if (stall) sleep(stallMillis);
                return;
            }
            out.write(body);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void error(HttpExchange ex, int status, String code) throws IOException {
        ex.getResponseHeaders().set("X-Error-Code", code);
        ex.sendResponseHeaders(status, -1);
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        hub.stop(0);
        storeThreads.shutdownNow();
        store.stop(0);
    }
}
