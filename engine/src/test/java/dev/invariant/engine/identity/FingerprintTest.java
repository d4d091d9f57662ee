package dev.invariant.engine.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.sample.SamplingParams;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class FingerprintTest {
    private static final String WEIGHTS = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final String TOKENIZER = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
    /** stories260K's model configuration digest. */
    private static final String MODEL = "3bd0f47f70135034b8fbaa4a479c99623a079b6bdc9a01afaf0e58b7ad5c87a4";
    private static final int[] PROMPT = {1, 403, 407, 261};

    private static SamplingParams.Builder base() {
        return SamplingParams.builder().temperature(0.8f).topK(40).topP(0.95f).minP(0.05f).repetitionPenalty(1.1f)
                .presencePenalty(0.5f).frequencyPenalty(-0.25f).maxTokens(64).seed(-1234567890123L)
                .stop(List.of("\n\n", "Ende ü")).stopTokenIds(List.of(7, 2)).ignoreEos(false);
    }

    private static String fingerprint(SamplingParams p) {
        return Fingerprint.of(WEIGHTS, MODEL, TOKENIZER, NumericsProfile.PORTABLE, PROMPT, p);
    }

    /**
     * The encoding of docs/identity.md, written out again with DataOutputStream (big-endian).
     *
     * @param model the model configuration digest, or null for the v2 encoding, which has none
     */
    private static String independentlyEncoded(String weights, String model, String tokenizer, String profile,
                                               int[] prompt, SamplingParams p, int[] sortedStopIds) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        List<String> head = model == null ? List.of("invariant.fingerprint.v2", weights, tokenizer, profile)
                : List.of("invariant.fingerprint.v3", weights, model, tokenizer, profile);
        for (String s : head) writeString(out, s);
        out.writeInt(prompt.length);
        for (int id : prompt) out.writeInt(id);
        out.writeInt(Float.floatToIntBits(p.temperature()));
        out.writeInt(p.topK());
        out.writeInt(Float.floatToIntBits(p.topP()));
        out.writeInt(Float.floatToIntBits(p.minP()));
        out.writeInt(Float.floatToIntBits(p.repetitionPenalty()));
        out.writeInt(Float.floatToIntBits(p.presencePenalty()));
        out.writeInt(Float.floatToIntBits(p.frequencyPenalty()));
        out.writeInt(p.maxTokens());
        out.writeLong(p.seed());
        out.writeInt(p.stop().size());
        for (String s : p.stop()) writeString(out, s);
        out.writeInt(sortedStopIds.length);
        for (int id : sortedStopIds) out.writeInt(id);
        out.writeByte(p.ignoreEos() ? 1 : 0);
        out.flush();
        return sha256Hex(bytes);
    }

    /** {@code str}: int32 byte count, then UTF-8 (also ModelConfigDigestTest's). */
    static void writeString(DataOutputStream out, String s) throws Exception {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    static String sha256Hex(ByteArrayOutputStream bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    }

    @Test
    void equalsTheDocumentedEncodingHashed() throws Exception {
        SamplingParams p = base().build();
        assertEquals(independentlyEncoded(WEIGHTS, MODEL, TOKENIZER, "portable/2", PROMPT, p, new int[] {2, 7}),
                fingerprint(p));
        SamplingParams greedy = SamplingParams.greedy(5).withSeed(0);
        assertEquals(independentlyEncoded("w", "m", "t", "naive/3", new int[0], greedy, new int[0]),
                Fingerprint.of("w", "m", "t", NumericsProfile.NAIVE, new int[0], greedy));
    }

    @Test
    void v2IsTheOlderEncodingWithoutTheModelConfigurationDigest() throws Exception {
        SamplingParams p = base().build();
        String v2 = Fingerprint.v2(WEIGHTS, TOKENIZER, NumericsProfile.PORTABLE, KvCacheDtype.FP32, PROMPT, p);
        assertEquals(independentlyEncoded(WEIGHTS, null, TOKENIZER, "portable/2", PROMPT, p, new int[] {2, 7}), v2);
        // what builds before v3 printed for these inputs (the v2 recipe of docs/identity.md's history)
        assertEquals("23d82d6f0bb3db1ffd9df23a07a6788c66954e417f2ffda469da861442536551", v2);
        assertNotEquals(v2, fingerprint(p));
    }

    @Test
    void theKvCacheDtypeJoinsTheProfileFieldUnlessItIsFp32() throws Exception {
        SamplingParams p = base().build();
        assertEquals(fingerprint(p), withCache(KvCacheDtype.FP32, p));
        assertEquals(fingerprint(p), withCache(KvCacheDtype.AUTO, p));
        assertEquals(independentlyEncoded(WEIGHTS, MODEL, TOKENIZER, "portable/2+kv=fp8_e5m2", PROMPT, p,
                new int[] {2, 7}), withCache(KvCacheDtype.FP8_E5M2, p));
        Set<String> seen = new HashSet<>();
        for (KvCacheDtype kv : KvCacheDtype.values()) {
            if (kv != KvCacheDtype.AUTO) assertTrue(seen.add(withCache(kv, p)));
        }
    }

    private static String withCache(KvCacheDtype kv, SamplingParams p) {
        return Fingerprint.of(WEIGHTS, MODEL, TOKENIZER, NumericsProfile.PORTABLE, kv, PROMPT, p);
    }

    @Test
    void matchesThePythonRecipeInTheDocs() {
        // Values printed by the Python function in docs/identity.md for the same inputs.
        assertEquals("653b6ffa5cc9bf3b089cc33489dc09aca6d2a8481dd8510f31f7dd03ae027a82", fingerprint(base().build()));
        assertEquals("c4895f2d6c40ac2358bf987007909b3dafd55c8ae6e4ea2a9cb4bf90721d43b8",
                Fingerprint.of("w", "m", "t", NumericsProfile.NAIVE, new int[0], SamplingParams.greedy(5).withSeed(0)));
    }

    @Test
    void textFieldsAppendOnlyWhenNotVllmsDefault() {
        // Printed by the Python function in docs/identity.md (profile "portable/2") with include_stop=True, with
        // skip_special=False, and with both and min_tokens=3.
        assertEquals("0f3b6aa74f03754d12015b674bf8d927e21e5c706680ab2d1e971dabca45327b",
                fingerprint(base().includeStopStrInOutput(true).build()));
        assertEquals("0d290c47497bea1a0be7df3f02cb0921d54545d91ea17fa8e4ddf7d1441199b5",
                fingerprint(base().skipSpecialTokens(false).build()));
        assertEquals("b79ea16133e541411259520b7059c885679880ca3b6e78384a01ad4b26ce6f01",
                fingerprint(base().minTokens(3).includeStopStrInOutput(true).skipSpecialTokens(false).build()));
        assertEquals(fingerprint(base().build()),
                fingerprint(base().includeStopStrInOutput(false).skipSpecialTokens(true).build()), "the defaults");
    }

    private static SamplingParams.Builder beams() {
        return SamplingParams.builder().maxTokens(64).seed(0L).stop(List.of("Observation:")).useBeamSearch(true)
                .n(2).bestOf(4).lengthPenalty(0.5f).earlyStopping(SamplingParams.EarlyStopping.NEVER);
    }

    @Test
    void beamSearchAppendsItsFieldsAndEachChangesIt() {
        // Printed by the Python function in docs/identity.md with beam=(2, 4, 0.5, "never").
        assertEquals("c62051851201ab97e6e0a1ab5acbd20316c97540feba353b726d160f8d9ea7bf", fingerprint(beams().build()));
        Set<String> seen = new HashSet<>();
        seen.add(fingerprint(beams().build()));
        seen.add(fingerprint(beams().useBeamSearch(false).n(1).bestOf(1).lengthPenalty(1f)
                .earlyStopping(SamplingParams.EarlyStopping.FALSE).build()));
        List<UnaryOperator<SamplingParams.Builder>> changes = List.of(b -> b.n(3), b -> b.bestOf(5),
                b -> b.lengthPenalty(1f), b -> b.earlyStopping(SamplingParams.EarlyStopping.TRUE));
        for (var change : changes) assertTrue(seen.add(fingerprint(change.apply(beams()).build())));
    }

    @Test
    void nSamplesAppendTheirCountAndNOneKeepsItsFingerprint() {
        SamplingParams.Builder samples = SamplingParams.builder().maxTokens(64).temperature(0.8f).seed(7L)
                .stop(List.of("Observation:")).n(3);
        // Printed by the Python function in docs/identity.md with samples=3.
        assertEquals("816c1c00030b9d0ebe5c4aebc49a47aca2907b4973a70f78c3bc480771705c91", fingerprint(samples.build()));
        Set<String> seen = new HashSet<>();
        for (int n = 1; n <= 4; n++) assertTrue(seen.add(fingerprint(samples.n(n).build())), "n " + n);
        // n 1 writes no samples field: the fingerprint every such request always had.
        assertEquals(fingerprint(SamplingParams.builder().maxTokens(64).temperature(0.8f).seed(7L)
                .stop(List.of("Observation:")).build()), fingerprint(samples.n(1).build()));
    }

    @Test
    void aStructuredOutputAppendsItsKindAndCanonicalSpec() {
        // Printed by the Python function in docs/identity.md with structured=("json", the canonical schema) and
        // structured=("choice", '["yes","no"]'): the schema below, keys unsorted and spaced, is canonicalised first.
        var schema = dev.invariant.engine.sample.structured.StructuredOutput.jsonSchema("guided_json",
                "{ \"type\": \"object\", \"properties\": {\"b\": {\"type\": \"integer\"}, \"a\": {\"type\": \"string\"}}}");
        assertEquals("40b9d97466c4f99c20790c665ea4b82c0e8367282983ae6065b7367ab121b6a0",
                fingerprint(base().structuredOutput(schema).build()));
        assertEquals("5bc89699cde31d8a2b333584f378145e0bdeb8f5437b94e289243d25e8a2a5b5", fingerprint(base()
                .structuredOutput(dev.invariant.engine.sample.structured.StructuredOutput.choice("c", List.of("yes", "no")))
                .build()));
        assertEquals("653b6ffa5cc9bf3b089cc33489dc09aca6d2a8481dd8510f31f7dd03ae027a82",
                fingerprint(base().structuredOutput(null).build()), "none: the fingerprint it always had");
    }

    @Test
    void logitBiasMinTokensAndAllowedIdsAppendOnlyWhenSet() {
        // Printed by the Python function in docs/identity.md with logit_bias={50: -100.0, 7: 0.1}, min_tokens=3,
        // allowed=[9, 7, 50]; without them the fingerprint is the one every such request always had (above).
        assertEquals("7b747a7df286eaa888fefb7f5be2af0cfa435ff2365ff0bcf5f663daa837d604", fingerprint(base()
                .logitBias(Map.of(50, -100f, 7, 0.1f)).minTokens(3).allowedTokenIds(List.of(9, 7, 50)).build()));
        assertEquals("653b6ffa5cc9bf3b089cc33489dc09aca6d2a8481dd8510f31f7dd03ae027a82", fingerprint(base()
                .logitBias(Map.of()).minTokens(0).allowedTokenIds(null).build()));
        List<UnaryOperator<SamplingParams.Builder>> changes = List.of(
                b -> b.logitBias(Map.of(5, 1f)), b -> b.logitBias(Map.of(5, 1.5f)), b -> b.logitBias(Map.of(6, 1f)),
                b -> b.logitBias(Map.of(5, 1f, 6, 1f)), b -> b.logitBias(Map.of(5, 0f)), b -> b.minTokens(1),
                b -> b.minTokens(2), b -> b.allowedTokenIds(List.of(1)), b -> b.allowedTokenIds(List.of(1, 2)),
                b -> b.allowedTokenIds(List.of(5)).minTokens(1));
        Set<String> seen = new HashSet<>();
        seen.add(fingerprint(base().build()));
        for (var change : changes) assertTrue(seen.add(fingerprint(change.apply(base()).build())));
        assertEquals(fingerprint(base().allowedTokenIds(List.of(1, 2)).build()),
                fingerprint(base().allowedTokenIds(List.of(2, 1, 1)).build()), "allowed ids act as a set");
        assertEquals(fingerprint(base().logitBias(Map.of(5, 0f)).build()),
                fingerprint(base().logitBias(Map.of(5, -0f)).build()), "-0 and +0 add alike");
    }

    @Test
    void everySingleFieldChangesIt() {
        List<UnaryOperator<SamplingParams.Builder>> changes = List.of(
                b -> b.temperature(0.81f), b -> b.temperature(0f), b -> b.topK(41), b -> b.topP(0.9f),
                b -> b.minP(0.06f), b -> b.repetitionPenalty(1.2f), b -> b.presencePenalty(0.4f),
                b -> b.frequencyPenalty(0.25f), b -> b.maxTokens(65), b -> b.seed(-1234567890122L),
                b -> b.seed(-1234567890123L ^ (1L << 40)), b -> b.stop(List.of("\n\n")),
                b -> b.stop(List.of("\n\n", "Ende u")), b -> b.stop(List.of("\n", "\nEnde ü")),
                b -> b.stopTokenIds(List.of(7, 3)), b -> b.stopTokenIds(List.of(7)), b -> b.ignoreEos(true));
        Set<String> seen = new HashSet<>();
        seen.add(fingerprint(base().build()));
        for (var change : changes) assertTrue(seen.add(fingerprint(change.apply(base()).build())));
        SamplingParams p = base().build();
        assertTrue(seen.add(Fingerprint.of(WEIGHTS + "0", MODEL, TOKENIZER, NumericsProfile.PORTABLE, PROMPT, p)));
        assertTrue(seen.add(Fingerprint.of(WEIGHTS, MODEL + "0", TOKENIZER, NumericsProfile.PORTABLE, PROMPT, p)));
        assertTrue(seen.add(Fingerprint.of(WEIGHTS, MODEL, TOKENIZER + "0", NumericsProfile.PORTABLE, PROMPT, p)));
        assertTrue(seen.add(Fingerprint.of(WEIGHTS, MODEL, TOKENIZER, NumericsProfile.FAST, PROMPT, p)));
        assertTrue(seen.add(Fingerprint.of(WEIGHTS, MODEL, TOKENIZER, NumericsProfile.PORTABLE, new int[] {1, 403, 407}, p)));
        int[] reordered = {1, 403, 261, 407};
        assertTrue(seen.add(Fingerprint.of(WEIGHTS, MODEL, TOKENIZER, NumericsProfile.PORTABLE, reordered, p)));
        // Moving bytes from one digest field to the next must not collide: lengths are encoded.
        assertNotEquals(Fingerprint.of("ab", "c", "d", NumericsProfile.PORTABLE, PROMPT, p),
                Fingerprint.of("a", "bc", "d", NumericsProfile.PORTABLE, PROMPT, p));
        assertNotEquals(Fingerprint.of("a", "bc", "d", NumericsProfile.PORTABLE, PROMPT, p),
                Fingerprint.of("a", "b", "cd", NumericsProfile.PORTABLE, PROMPT, p));
    }

    @Test
    void thingsThatCannotChangeTheOutputDoNotChangeIt() {
        assertEquals(fingerprint(base().build()), fingerprint(base().stopTokenIds(List.of(2, 7, 7)).build()));
        assertEquals(fingerprint(base().temperature(0f).build()), fingerprint(base().temperature(-0f).build()));
        // A greedy request's seed cannot change its output, so repeats with derived seeds share one fingerprint.
        assertEquals(fingerprint(base().temperature(0f).seed(1L).build()), fingerprint(base().temperature(0f).seed(2L).build()));
    }

    @Test
    void unresolvedSeedOrMissingDigestIsRejected() {
        SamplingParams unresolved = SamplingParams.greedy(4);
        EngineException e = assertThrows(EngineException.class, () -> fingerprint(unresolved));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertTrue(e.getMessage().contains("seed"), e.getMessage());
        assertThrows(EngineException.class,
                () -> Fingerprint.of("", MODEL, TOKENIZER, NumericsProfile.PORTABLE, PROMPT, base().build()));
        assertThrows(EngineException.class,
                () -> Fingerprint.of(WEIGHTS, "", TOKENIZER, NumericsProfile.PORTABLE, PROMPT, base().build()));
    }

    @Test
    void systemFingerprintIsTheDocumentedEncodingAndNamesTheArithmetic() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (String s : List.of("invariant.system.v2", WEIGHTS, MODEL, TOKENIZER, "portable/2")) writeString(out, s);
        String hex = sha256Hex(bytes);
        assertEquals("invariant:portable/2:" + hex.substring(0, 12), system(WEIGHTS, MODEL, NumericsProfile.PORTABLE,
                KvCacheDtype.FP32));
        // auto stores fp32: the same engine; another profile, dtype, model or configuration is another system.
        assertEquals(system(WEIGHTS, MODEL, NumericsProfile.PORTABLE, KvCacheDtype.FP32),
                system(WEIGHTS, MODEL, NumericsProfile.PORTABLE, KvCacheDtype.AUTO));
        Set<String> systems = new HashSet<>(List.of(
                system(WEIGHTS, MODEL, NumericsProfile.PORTABLE, KvCacheDtype.FP32),
                system(WEIGHTS, MODEL, NumericsProfile.NAIVE, KvCacheDtype.FP32),
                system(WEIGHTS, MODEL, NumericsProfile.PORTABLE, KvCacheDtype.BF16),
                system(TOKENIZER, MODEL, NumericsProfile.PORTABLE, KvCacheDtype.FP32),
                system(WEIGHTS, WEIGHTS, NumericsProfile.PORTABLE, KvCacheDtype.FP32)));
        assertEquals(5, systems.size(), systems.toString());
        assertTrue(system(WEIGHTS, MODEL, NumericsProfile.NAIVE, KvCacheDtype.FP32).matches("invariant:naive/3:[0-9a-f]{12}"));
        assertTrue(system(WEIGHTS, MODEL, NumericsProfile.PORTABLE, KvCacheDtype.BF16)
                .startsWith("invariant:portable/2+kv=bf16:"));
    }

    private static String system(String weights, String model, NumericsProfile profile, KvCacheDtype kv) {
        return Fingerprint.system(weights, model, TOKENIZER, profile, kv);
    }
}
