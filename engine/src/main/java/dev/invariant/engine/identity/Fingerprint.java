package dev.invariant.engine.identity;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.sample.SamplingParams;
import java.util.List;

/**
 * The fingerprint of a request: SHA-256 over a canonical encoding of everything that determines its
 * output (docs/identity.md, "invariant.fingerprint.v3"). Equal fingerprints must give equal output hashes;
 * when they do not, that is a divergence.
 */
public final class Fingerprint {
    /** First field of the encoding; a new encoding gets a new tag, so old and new never collide. */
    public static final String VERSION = "invariant.fingerprint.v3";
    /** The previous encoding: v3 without the model configuration digest (docs/identity.md, version history). */
    public static final String V2 = "invariant.fingerprint.v2";
    /** First field of {@link #system}'s encoding. */
    public static final String SYSTEM_VERSION = "invariant.system.v2";

    private Fingerprint() {}

    /**
     * 64 lower-case hex digits, with an fp32 KV cache.
     *
     * @param configDigest   the model configuration digest ({@link ModelConfigDigest})
     * @param resolvedParams parameters whose seed is set (see {@code Seeds.resolve}); a greedy request's seed is
     *                       encoded as 0: it cannot change the output, and repeats of one greedy request must
     *                       share a fingerprint whatever their ids
     */
    public static String of(String weightsDigest, String configDigest, String tokenizerDigest, NumericsProfile profile,
                            int[] promptTokenIds, SamplingParams resolvedParams) {
        return of(weightsDigest, configDigest, tokenizerDigest, profile, KvCacheDtype.FP32, promptTokenIds,
                resolvedParams);
    }

    /**
     * As above with the KV cache's stored dtype: fp32 (and {@code auto}) leave field 5 as the profile's name, so the
     * default cache keeps its fingerprints; any other dtype appends {@code +kv=<dtype>} (docs/identity.md).
     */
    public static String of(String weightsDigest, String configDigest, String tokenizerDigest, NumericsProfile profile,
                            KvCacheDtype kvCacheDtype, int[] promptTokenIds, SamplingParams resolvedParams) {
        require(configDigest != null && !configDigest.isEmpty(), "the model configuration digest is missing");
        return encode(VERSION, weightsDigest, configDigest, tokenizerDigest, profile, kvCacheDtype, promptTokenIds,
                resolvedParams);
    }

    /**
     * The {@link #V2} fingerprint of the same request, which older builds gave: kept so that verify can tell a
     * completion made by one (a version change) from a divergence.
     */
    public static String v2(String weightsDigest, String tokenizerDigest, NumericsProfile profile,
                            KvCacheDtype kvCacheDtype, int[] promptTokenIds, SamplingParams resolvedParams) {
        return encode(V2, weightsDigest, null, tokenizerDigest, profile, kvCacheDtype, promptTokenIds, resolvedParams);
    }

    /** @param configDigest null for v2, which has no such field */
    private static String encode(String version, String weightsDigest, String configDigest, String tokenizerDigest,
                                 NumericsProfile profile, KvCacheDtype kvCacheDtype, int[] promptTokenIds,
                                 SamplingParams resolvedParams) {
        require(weightsDigest != null && !weightsDigest.isEmpty(), "the weights digest is missing");
        require(tokenizerDigest != null && !tokenizerDigest.isEmpty(), "the tokenizer digest is missing");
        require(profile != null, "the numerics profile is missing");
        require(kvCacheDtype != null, "the kv cache dtype is missing");
        require(promptTokenIds != null, "the prompt token ids are missing");
        require(resolvedParams != null, "the sampling parameters are missing");
        require(resolvedParams.seed() != null,
                "the seed is not resolved: resolve it (Seeds.resolve) before fingerprinting");
        SamplingParams p = resolvedParams;
        CanonicalWriter w = new CanonicalWriter().string(version).string(weightsDigest);
        if (configDigest != null) w.string(configDigest);
        w.string(tokenizerDigest)
                .string(arithmetic(profile, kvCacheDtype))
                .ints(promptTokenIds)
                .f32(p.temperature())
                .i32(p.topK())
                .f32(p.topP())
                .f32(p.minP())
                .f32(p.repetitionPenalty())
                .f32(p.presencePenalty())
                .f32(p.frequencyPenalty())
                .i32(p.maxTokens())
                .i64(p.isGreedy() ? 0L : p.seed());
        List<String> stop = p.stop();
        w.i32(stop.size());
        for (String s : stop) w.string(s);
        w.ints(p.stopTokenIds().stream().mapToInt(Integer::intValue).sorted().distinct().toArray());
        w.u8(p.ignoreEos() ? 1 : 0);
        if (p.useBeamSearch()) {
            // Only beam requests carry these fields, so every other request keeps the fingerprint it always had.
            w.string("beam").i32(p.n()).i32(p.bestOf()).f32(p.lengthPenalty()).string(p.earlyStopping().wire);
        } else if (p.n() > 1) {
            // n samples: the same request with another n returns other outputs (output 0 is the same sample).
            w.string("samples").i32(p.n());
        }
        logitProcessors(w, p);
        textFields(w, p);
        return Sha256.hex(w.bytes());
    }

    /**
     * logit_bias, min_tokens, allowed_token_ids and the structured output, each tagged and only when set, so that requests without them keep
     * the fingerprint they always had: biases in ascending id order, allowed ids sorted without repeats (a set).
     */
    static void logitProcessors(CanonicalWriter w, SamplingParams p) {
        if (!p.logitBias().isEmpty()) {
            w.string("logit_bias").i32(p.logitBias().size());
            p.logitBias().forEach((id, bias) -> w.i32(id).f32(bias));
        }
        if (p.minTokens() != 0) w.string("min_tokens").i32(p.minTokens());
        if (p.allowedTokenIds() != null) {
            w.string("allowed_token_ids").ints(p.allowedTokenIds().stream().mapToInt(Integer::intValue).sorted()
                    .distinct().toArray());
        }
        if (p.structuredOutput() != null) {
            w.string("structured_output").string(p.structuredOutput().kind().wire).string(p.structuredOutput().spec());
        }
    }

    /**
     * How the output's text is made from its tokens (the tokens themselves do not change), tagged and only when not
     * vLLM's default, so that requests without them keep their fingerprint: the text of two requests that differ
     * only here differs, and a fingerprint names one text.
     */
    static void textFields(CanonicalWriter w, SamplingParams p) {
        if (p.includeStopStrInOutput()) w.string("include_stop_str_in_output");
        if (!p.skipSpecialTokens()) w.string("keep_special_tokens");
    }

    /**
     * The bytes {@link #logitProcessors} and {@link #textFields} append (none when those fields are unset), for encodings of other namespaces
     * that carry the same fields the same way (the audit's, docs/identity.md).
     */
    public static byte[] extensionFields(SamplingParams p) {
        CanonicalWriter w = new CanonicalWriter();
        logitProcessors(w, p);
        textFields(w, p);
        return w.bytes();
    }

    /**
     * What the OpenAI API calls {@code system_fingerprint}: the part of every fingerprint that the serving engine fixes
     * (weights, model configuration, tokenizer, profile with its contract version, KV cache dtype), the same for a CPU
     * and a GPU worker of one build and model, different when any of them changes (docs/identity.md):
     * {@code invariant:<field 5>:<12 hex>}, the hex a prefix of SHA-256 over {@code str "invariant.system.v2"}, the
     * three digests and field 5.
     */
    public static String system(String weightsDigest, String configDigest, String tokenizerDigest,
                                NumericsProfile profile, KvCacheDtype kvCacheDtype) {
        String arithmetic = arithmetic(profile, kvCacheDtype);
        String hex = Sha256.hex(new CanonicalWriter().string(SYSTEM_VERSION).string(weightsDigest).string(configDigest)
                .string(tokenizerDigest).string(arithmetic).bytes());
        return "invariant:" + arithmetic + ":" + hex.substring(0, 12);
    }

    /** Field 5: the profile and its contract version, plus the KV cache dtype when it is not fp32. */
    public static String arithmetic(NumericsProfile profile, KvCacheDtype kvCacheDtype) {
        KvCacheDtype kv = kvCacheDtype.storage();
        return kv == KvCacheDtype.FP32 ? profile.fingerprintName() : profile.fingerprintName() + "+kv=" + kv.wireName();
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new EngineException(ErrorCode.INVALID_PARAM, "cannot fingerprint the request: " + message);
    }
}
