package dev.invariant.engine.model.hub;

import java.net.URI;
import java.net.http.HttpHeaders;

/**
 * What a hub {@code HEAD .../resolve/{revision}/{file}} says about a file, read as huggingface_hub does:
 * the commit from {@code X-Repo-Commit}, the blob id from {@code X-Linked-Etag} (large files stored in
 * LFS: their SHA-256) or else {@code ETag}, the size from {@code X-Linked-Size} or {@code Content-Length},
 * and where to fetch the bytes ({@code Location} of a redirect, else the same URL).
 */
record FileMetadata(String commit, String etag, long size, URI location) {

    static FileMetadata from(HttpHeaders h, URI requested) {
        String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).map(FileMetadata::normaliseEtag)
                .orElse(null);
        long size = h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length"))
                .map(FileMetadata::parseSize).orElse(-1L);
        URI loc = h.firstValue("Location").map(requested::resolve).orElse(requested);
        return new FileMetadata(h.firstValue("X-Repo-Commit").orElse(null), etag, size, loc);
    }

    /** Whether the ETag is a SHA-256 of the content (LFS files), so the download can be verified. */
    boolean etagIsSha256() {
        return etag != null && etag.matches("[0-9a-f]{64}");
    }

    private static String normaliseEtag(String e) {
        String s = e.strip();
        if (s.startsWith("W/")) s = s.substring(2);
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) s = s.substring(1, s.length() - 1);
        // the ETag becomes a file name: refuse anything that could leave the blobs folder
        return s.matches("[A-Za-z0-9._-]+") && !s.startsWith(".") ? s : null;
    }

    private static long parseSize(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
