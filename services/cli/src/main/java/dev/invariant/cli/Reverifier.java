package dev.invariant.cli;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.EngineMapping;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.SequenceOutput;
import dev.invariant.schemas.consistency.OutputDiff;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Re-executes completions on the CPU engine (portable profile) from their prompt token ids and sampling parameters
 * (the completion's own, or its request's on the requests topic for completions written before they carried them)
 * with the seed the completion reports, and says whether the completion is reproduced: its output hash, and every
 * output's token ids, text and hash as the record states them (a record altered after it was made is a mismatch,
 * not a reproduction, even when its hash was left alone). The KV
 * cache dtype a completion was made with is read off its fingerprint (field 5 says {@code +kv=<dtype>}): each dtype
 * is tried until one gives the completion's fingerprint, and the completion is re-executed with that cache, so
 * nobody has to pass {@code --kv-cache-dtype} by hand. A fingerprint in the older v2 encoding (no model configuration
 * digest) is recognised the same way, so its verdict says "older build", not "different fingerprint".
 */
final class Reverifier implements AutoCloseable {

    enum Status { REPRODUCED, MISMATCH, NOT_VERIFIABLE }

    /**
     * @param detail what differed, or why it could not be verified
     * @param again  the CPU's re-execution, null when there was none
     */
    record Verdict(String requestId, Status status, String detail, GenerationResult again) {
        Verdict(String requestId, Status status, String detail) {
            this(requestId, status, detail, null);
        }
    }

    /** The cache a completion's fingerprint names; {@code v2}: named by the older encoding. */
    private record Match(KvCacheDtype kv, boolean v2) {
    }

    private final EngineConfig config;
    private final Engine open;
    // With an open engine: engines for the other KV cache dtypes met so far, kept until close().
    private final Map<KvCacheDtype, Engine> kept = new EnumMap<>(KvCacheDtype.class);

    /** Opens the engines each {@link #verify} call needs and closes them when it returns. */
    Reverifier(EngineConfig config) {
        this.config = config;
        this.open = null;
    }

    /**
     * Uses this engine (a long-running verifier keeps one open; the caller closes it); engines for other KV cache
     * dtypes are opened when a completion needs one and kept until {@link #close}.
     */
    Reverifier(Engine engine) {
        this.config = engine.config();
        this.open = engine;
    }

    /** One verdict per completion, in order; {@code requests} by request id. */
    List<Verdict> verify(List<Completion> completions, Map<String, InferenceRequest> requests, Progress progress) {
        List<Verdict> verdicts = new ArrayList<>(completions.size());
        Map<KvCacheDtype, List<Integer>> byCache = new EnumMap<>(KvCacheDtype.class);
        Set<Integer> v2Made = new HashSet<>();
        Map<Integer, Request> runs = new HashMap<>();
        Map<KvCacheDtype, Engine> opened = new EnumMap<>(KvCacheDtype.class);
        try {
            for (int i = 0; i < completions.size(); i++) {
                Completion c = completions.get(i);
                InferenceRequest r = requests.get(c.getRequestId());
                String why = whyNot(c, r);
                verdicts.add(why == null ? null : new Verdict(c.getRequestId(), Status.NOT_VERIFIABLE, why));
                if (why == null) {
                    int[] prompt = c.getPromptTokenIds().stream().mapToInt(Integer::intValue).toArray();
                    Sampling sampling = c.getSampling() != null ? c.getSampling() : r.getSampling();
                    Request run = new Request("verify-" + i, new Prompt.TokenIds(prompt),
                            EngineMapping.sampling(sampling).withSeed(c.getSeed()));
                    runs.put(i, run);
                    Match m = cacheOf(run, c.getFingerprint(), opened);
                    byCache.computeIfAbsent(m.kv(), k -> new ArrayList<>()).add(i);
                    if (m.v2()) v2Made.add(i);
                }
            }
            for (var group : byCache.entrySet()) {
                List<Request> batch = group.getValue().stream().map(runs::get).toList();
                List<GenerationResult> results = engine(group.getKey(), opened).generateAll(batch, progress::update);
                for (int k = 0; k < results.size(); k++) {
                    int i = group.getValue().get(k);
                    verdicts.set(i, judge(completions.get(i), results.get(k), group.getKey(), v2Made.contains(i)));
                }
            }
        } finally {
            opened.values().forEach(Engine::close);
        }
        return verdicts;
    }

    /**
     * The KV cache dtype whose fingerprint for {@code run} is {@code fingerprint}, in this build's encoding, else in
     * v2's; the configured one when none is.
     */
    private Match cacheOf(Request run, String fingerprint, Map<KvCacheDtype, Engine> opened) {
        KvCacheDtype configured = config.kvCacheDtype().storage();
        Engine base = engine(configured, opened);
        try {
            for (boolean v2 : new boolean[] {false, true}) {
                for (KvCacheDtype kv : KvCacheDtype.values()) {
                    if (kv == KvCacheDtype.AUTO) continue;
                    String fp = v2 ? base.core().v2FingerprintWith(run, kv) : base.core().fingerprintWith(run, kv);
                    if (fp.equals(fingerprint)) return new Match(kv, v2);
                }
            }
        } catch (RuntimeException e) {
            // the run itself is refused: its verdict says why
        }
        return new Match(configured, false);
    }

    private Engine engine(KvCacheDtype kv, Map<KvCacheDtype, Engine> opened) {
        if (open != null && open.config().kvCacheDtype().storage() == kv) return open;
        return (open != null ? kept : opened).computeIfAbsent(kv, k -> Engine.open(config.withKvCacheDtype(k)));
    }

    @Override
    public void close() {
        kept.values().forEach(Engine::close);
        kept.clear();
    }

    private static String whyNot(Completion c, InferenceRequest r) {
        if (c.getError() != null || c.getOutputHash() == null) return "the request failed: nothing to reproduce";
        if (!NumericsProfile.PORTABLE.wireName().equals(c.getEngine().getNumericsProfile())) {
            return "profile " + c.getEngine().getNumericsProfile() + " is not CPU-reproducible (only portable is)";
        }
        if (c.getSampling() == null && r == null) {
            return "it does not carry its sampling parameters (written before completions did) and its request is not"
                    + " on the requests topic";
        }
        if (c.getSeed() == null) return "the completion does not say which seed it used";
        return null;
    }

    private Verdict judge(Completion c, GenerationResult g, KvCacheDtype kv, boolean v2Made) {
        if (!g.ok()) return new Verdict(c.getRequestId(), Status.NOT_VERIFIABLE, "re-execution failed: " + g.error().describe());
        if (v2Made) return new Verdict(c.getRequestId(), Status.NOT_VERIFIABLE, olderEncoding(c, g), g);
        if (!g.fingerprint().equals(c.getFingerprint())) {
            return new Verdict(c.getRequestId(), Status.NOT_VERIFIABLE, "re-executed with a different fingerprint ("
                    + g.fingerprint().substring(0, 12) + " ≠ " + c.getFingerprint().substring(0, Math.min(12,
                    c.getFingerprint().length())) + "): made by another model, tokenizer or contract version, or its"
                    + " prompt or parameters were altered after it was made");
        }
        String differs = firstDifference(c, g);
        if (differs == null) {
            String cache = kv == config.kvCacheDtype().storage() ? "" : " (KV cache " + kv.wireName()
                    + ", as its fingerprint says)";
            String beams = g.outputs().size() > 1 ? " (" + g.outputs().size() + " outputs)" : "";
            return new Verdict(c.getRequestId(), Status.REPRODUCED, g.outputHash().substring(0, 12) + beams + cache, g);
        }
        return new Verdict(c.getRequestId(), Status.MISMATCH, differs, g);
    }

    /**
     * A v2 fingerprint matches the request, weights, tokenizer and arithmetic but cannot say which config.json values
     * (RoPE scaling, eps, EOS ids, ...) the older build computed with, so its output is reported, not judged.
     */
    private static String olderEncoding(Completion c, GenerationResult g) {
        String output = firstDifference(c, g) == null ? "is reproduced here"
                : "is not reproduced here (" + g.outputHash().substring(0, 12) + ")";
        return "made by an older build: its fingerprint is the " + Fingerprint.V2 + " encoding, before "
                + Fingerprint.VERSION + " added the model configuration digest (this build fingerprints the same request "
                + g.fingerprint().substring(0, 12) + "), a version change, not a divergence; its output " + output
                + ", but a v2 fingerprint does not say which config.json values made it";
    }

    /** What the record states that the re-execution does not give, or null when it gives all of it. */
    private static String firstDifference(Completion c, GenerationResult g) {
        String top = difference(c.getTokenIds(), c.getText(), c.getOutputHash(), g.tokenIds(), g.text(), g.outputHash());
        if (top != null) return top;
        List<SequenceOutput> stated = c.getOutputs() == null ? List.of() : c.getOutputs();
        if (stated.size() != g.outputs().size() && !(stated.isEmpty() && g.outputs().size() <= 1)) {
            return "the completion has " + stated.size() + " outputs, the re-execution " + g.outputs().size();
        }
        for (int i = 0; i < stated.size(); i++) {
            SequenceOutput s = stated.get(i);
            var o = g.outputs().get(i);
            String d = difference(s.getTokenIds(), s.getText(), s.getOutputHash(), o.tokenIds(), o.text(), o.outputHash());
            if (d != null) return "output " + i + ": " + d;
        }
        return null;
    }

    private static String difference(List<Integer> ids, String text, String hash, int[] againIds, String againText,
                                     String againHash) {
        List<Integer> again = Arrays.stream(againIds).boxed().toList();
        int at = OutputDiff.firstDifferentToken(ids, again);
        if (at >= 0) {
            return "output differs from token " + at + ": completion has " + tokenAt(ids, at) + ", re-execution "
                    + tokenAt(again, at);
        }
        if (!againHash.equals(hash)) return "the token ids are equal but the output hash is not theirs: the hash was altered";
        if (!againText.equals(text)) {
            return "the token ids and hash are equal but the text is not what they decode to: the text was altered";
        }
        return null;
    }

    private static String tokenAt(List<Integer> ids, int at) {
        return at < ids.size() ? "id " + ids.get(at) : "nothing (ended)";
    }
}
