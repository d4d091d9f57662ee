package dev.invariant.cli;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.EngineMapping;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.consistency.OutputDiff;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Re-executes completions on the CPU engine (portable profile) from their prompt token ids and their request's
 * sampling parameters with the seed the completion reports, and says whether the output hash is reproduced.
 */
final class Reverifier {

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

    private final EngineConfig config;
    private final Engine open;

    /** Opens an engine for each {@link #verify} call. */
    Reverifier(EngineConfig config) {
        this.config = config;
        this.open = null;
    }

    /** Uses this engine (a long-running verifier keeps one open); the caller closes it. */
    Reverifier(Engine engine) {
        this.config = engine.config();
        this.open = engine;
    }

    /** One verdict per completion, in order; {@code requests} by request id. */
    List<Verdict> verify(List<Completion> completions, Map<String, InferenceRequest> requests, Progress progress) {
        List<Verdict> verdicts = new ArrayList<>(completions.size());
        List<Request> runs = new ArrayList<>();
        List<Integer> runIndex = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            Completion c = completions.get(i);
            InferenceRequest r = requests.get(c.getRequestId());
            String why = whyNot(c, r);
            verdicts.add(why == null ? null : new Verdict(c.getRequestId(), Status.NOT_VERIFIABLE, why));
            if (why == null) {
                int[] prompt = c.getPromptTokenIds().stream().mapToInt(Integer::intValue).toArray();
                runs.add(new Request("verify-" + i, new Prompt.TokenIds(prompt),
                        EngineMapping.sampling(r.getSampling()).withSeed(c.getSeed())));
                runIndex.add(i);
            }
        }
        if (runs.isEmpty()) return verdicts;
        List<GenerationResult> results;
        if (open != null) {
            results = open.generateAll(runs, progress::update);
        } else {
            try (Engine engine = Engine.open(config)) {
                results = engine.generateAll(runs, progress::update);
            }
        }
        for (int k = 0; k < results.size(); k++) {
            int i = runIndex.get(k);
            verdicts.set(i, judge(completions.get(i), results.get(k)));
        }
        return verdicts;
    }

    private static String whyNot(Completion c, InferenceRequest r) {
        if (c.getError() != null || c.getOutputHash() == null) return "the request failed: nothing to reproduce";
        if (!NumericsProfile.PORTABLE.wireName().equals(c.getEngine().getNumericsProfile())) {
            return "profile " + c.getEngine().getNumericsProfile() + " is not CPU-reproducible (only portable is)";
        }
        if (r == null) return "its request is not on the requests topic (sampling parameters unknown)";
        if (c.getSeed() == null) return "the completion does not say which seed it used";
        return null;
    }

    private static Verdict judge(Completion c, GenerationResult g) {
        if (!g.ok()) return new Verdict(c.getRequestId(), Status.NOT_VERIFIABLE, "re-execution failed: " + g.error().describe());
        if (!g.fingerprint().equals(c.getFingerprint())) {
            return new Verdict(c.getRequestId(), Status.NOT_VERIFIABLE, "re-executed with a different fingerprint ("
                    + g.fingerprint().substring(0, 12) + " ≠ " + c.getFingerprint().substring(0, Math.min(12,
                    c.getFingerprint().length())) + "): another model, tokenizer or contract version");
        }
        if (g.outputHash().equals(c.getOutputHash())) {
            return new Verdict(c.getRequestId(), Status.REPRODUCED, g.outputHash().substring(0, 12), g);
        }
        List<Integer> again = Arrays.stream(g.tokenIds()).boxed().toList();
        int at = OutputDiff.firstDifferentToken(c.getTokenIds(), again);
        String detail = at < 0
                ? "the token ids are equal but the output hash is not theirs: the hash was tampered with"
                : "output differs from token " + at + ": completion has " + tokenAt(c.getTokenIds(), at)
                        + ", re-execution " + tokenAt(again, at);
        return new Verdict(c.getRequestId(), Status.MISMATCH, detail, g);
    }

    private static String tokenAt(List<Integer> ids, int at) {
        return at < ids.size() ? "id " + ids.get(at) : "nothing (ended)";
    }
}
