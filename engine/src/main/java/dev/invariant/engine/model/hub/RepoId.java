package dev.invariant.engine.model.hub;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.regex.Pattern;

/**
 * A Hugging Face model repository and revision, written {@code org/name[@revision]} as vLLM accepts it.
 * The revision is a branch, a tag or a commit hash; {@code main} when left out.
 */
public record RepoId(String org, String name, String revision) {
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._/-]+");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public RepoId {
        if (!PART.matcher(org).matches() || !PART.matcher(name).matches() || name.endsWith(".") || org.contains("..")
                || name.contains("..")) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "'" + org + "/" + name
                    + "' is not a hub repository id: use org/name[@revision] (letters, digits, '.', '_', '-')");
        }
        if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "'" + revision
                    + "' is not a hub revision: use a branch, tag or 40-hex commit");
        }
    }

    /** Whether {@code id} has the shape {@code org/name[@revision]}; says nothing of whether it exists. */
    public static boolean looksLike(String id) {
        int at = id.indexOf('@');
        String repo = at < 0 ? id : id.substring(0, at);
        String[] parts = repo.split("/", -1);
        return parts.length == 2 && PART.matcher(parts[0]).matches() && PART.matcher(parts[1]).matches()
                && (at < 0 || REVISION.matcher(id.substring(at + 1)).matches());
    }

    public static RepoId parse(String id) {
        if (!looksLike(id)) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "'" + id
                    + "' is not a hub id: use org/name or org/name@revision, e.g. HuggingFaceTB/SmolLM2-135M-Instruct");
        }
        int at = id.indexOf('@');
        String repo = at < 0 ? id : id.substring(0, at);
        int slash = repo.indexOf('/');
        return new RepoId(repo.substring(0, slash), repo.substring(slash + 1), at < 0 ? "main" : id.substring(at + 1));
    }

    /** {@code org/name}, as in hub URLs. */
    public String repo() {
        return org + "/" + name;
    }

    /** The cache folder name, {@code models--org--name}. */
    public String cacheFolderName() {
        return "models--" + org + "--" + name;
    }

    /** Whether the revision is already a full commit hash (then no ref is needed). */
    public boolean revisionIsCommit() {
        return COMMIT.matcher(revision).matches();
    }

    static boolean isCommit(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    @Override
    public String toString() {
        return repo() + "@" + revision;
    }
}
