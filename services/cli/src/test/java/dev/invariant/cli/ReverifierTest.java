package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.EngineInfo;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Completions made with a quantised KV cache are re-executed with that cache, read off their fingerprint (field 5
 * says {@code +kv=<dtype>}), by a verifier configured with the default one: nobody passes --kv-cache-dtype by hand.
 */
class ReverifierTest {

    @Test
    void readsTheKvCacheDtypeOffTheFingerprint() {
        String model = GenerateCommandTest.stories().toString();
        EngineConfig fp32 = EngineConfig.defaults(model).withThreads(1);
        Request fp8Made = new Request("kv-fp8", Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(24).build());
        Request fp32Made = new Request("kv-fp32", Prompt.text("The little bird"),
                SamplingParams.builder().maxTokens(24).temperature(0.8f).seed(3L).build());
        Completion a = completion(made(fp32.withKvCacheDtype(KvCacheDtype.FP8_E5M2), fp8Made));
        Completion b = completion(made(fp32, fp32Made));
        Completion bAsFp8 = completion(made(fp32.withKvCacheDtype(KvCacheDtype.FP8_E5M2),
                new Request("kv-fp32", fp32Made.prompt(), fp32Made.params())));
        assertNotEquals(b.getFingerprint(), bAsFp8.getFingerprint(), "the cache dtype is part of the fingerprint");

        Map<String, InferenceRequest> requests = Map.of(
                "kv-fp8", RequestRecords.of(fp8Made, "stories260K", Numerics.portable, false),
                "kv-fp32", RequestRecords.of(fp32Made, "stories260K", Numerics.portable, false));
        try (Reverifier verifier = new Reverifier(fp32)) {
            List<Reverifier.Verdict> v = verifier.verify(List.of(a, b), requests, Progress.NONE);
            assertEquals(Reverifier.Status.REPRODUCED, v.get(0).status(), v.get(0).detail());
            assertTrue(v.get(0).detail().endsWith("(KV cache fp8_e5m2, as its fingerprint says)"), v.get(0).detail());
            assertEquals(Reverifier.Status.REPRODUCED, v.get(1).status(), v.get(1).detail());
            assertEquals(b.getOutputHash().substring(0, 12), v.get(1).detail());

            // A token changed under an fp8 fingerprint is still caught, by the fp8 re-execution.
            List<Integer> tokens = new ArrayList<>(a.getTokenIds());
            tokens.set(3, tokens.get(3) == 7 ? 8 : 7);
            Completion tampered = Completion.newBuilder(a).setTokenIds(tokens).setOutputHash(hash(tokens)).build();
            var bad = verifier.verify(List.of(tampered), requests, Progress.NONE).getFirst();
            assertEquals(Reverifier.Status.MISMATCH, bad.status(), bad.detail());
            assertTrue(bad.detail().startsWith("output differs from token 3"), bad.detail());
        }
    }

    @Test
    void aCompletionCarryingItsParametersIsCheckedAgainstEverythingItStates() {
        EngineConfig config = EngineConfig.defaults(GenerateCommandTest.stories().toString()).withThreads(1);
        Request sampled = new Request("own-params", Prompt.text("The little bird"),
                SamplingParams.builder().maxTokens(16).temperature(0.9f).topP(0.95f).seed(11L).build());
        Request beams = new Request("beams", Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(12).useBeamSearch(true).n(2).bestOf(3).build());
        Completion a = withParams(completion(made(config, sampled)), sampled);
        GenerationResult bg = made(config, beams);
        Completion b = Completion.newBuilder(withParams(completion(bg), beams)).setOutputs(bg.outputs().stream()
                .map(o -> new dev.invariant.schemas.SequenceOutput(o.index(), Arrays.stream(o.tokenIds()).boxed().toList(),
                        o.text(), o.finishReason().wireName(), o.outputHash(), o.cumulativeLogprob(), null, null, null, null))
                .toList())
                .build();
        // no requests at all: what the completion carries is enough (an HTTP request's never reaches the topic)
        Map<String, InferenceRequest> none = Map.of();
        try (Reverifier verifier = new Reverifier(config)) {
            var ok = verifier.verify(List.of(a, b), none, Progress.NONE);
            assertEquals(Reverifier.Status.REPRODUCED, ok.get(0).status(), ok.get(0).detail());
            assertEquals(Reverifier.Status.REPRODUCED, ok.get(1).status(), ok.get(1).detail());

            List<Integer> tokens = new ArrayList<>(a.getTokenIds());
            tokens.set(2, tokens.get(2) == 7 ? 8 : 7);
            var altered = List.of(
                    Completion.newBuilder(a).setTokenIds(tokens).build(),          // the hash left as it was
                    Completion.newBuilder(a).setText(a.getText() + " and more").build(),
                    Completion.newBuilder(b).setOutputs(List.of(b.getOutputs().get(0),
                            dev.invariant.schemas.SequenceOutput.newBuilder(b.getOutputs().get(1))
                                    .setText("something else").build())).build(),
                    Completion.newBuilder(b).setOutputs(List.of(b.getOutputs().get(0))).build());
            var v = verifier.verify(altered, none, Progress.NONE);
            String[] expected = {"output differs from token 2", "the token ids and hash are equal but the text",
                    "output 1: the token ids and hash are equal but the text", "the completion has 1 outputs"};
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Reverifier.Status.MISMATCH, v.get(i).status(), v.get(i).detail());
                assertTrue(v.get(i).detail().startsWith(expected[i]), v.get(i).detail());
            }

            var unknown = verifier.verify(List.of(Completion.newBuilder(a).setSampling(null).build()), none,
                    Progress.NONE).getFirst();
            assertEquals(Reverifier.Status.NOT_VERIFIABLE, unknown.status(), unknown.detail());
        }
    }

    @Test
    void aFingerprintInTheOlderEncodingIsReportedAsAVersionChange() {
        EngineConfig config = EngineConfig.defaults(GenerateCommandTest.stories().toString()).withThreads(1);
        Request r = new Request("older", Prompt.text("Once upon a time"), SamplingParams.builder().maxTokens(16).build());
        Completion c = withParams(completion(made(config, r)), r);
        String v2;
        try (Engine e = Engine.open(config)) {
            v2 = e.core().v2FingerprintWith(r, KvCacheDtype.FP32);
        }
        try (Reverifier verifier = new Reverifier(config)) {
            var older = verifier.verify(List.of(Completion.newBuilder(c).setFingerprint(v2).build()), Map.of(),
                    Progress.NONE).getFirst();
            assertEquals(Reverifier.Status.NOT_VERIFIABLE, older.status(), older.detail());
            assertTrue(older.detail().startsWith("made by an older build: its fingerprint is the"
                    + " invariant.fingerprint.v2 encoding"), older.detail());
            assertTrue(older.detail().contains("its output is reproduced here"), older.detail());
            // neither encoding's: still a different fingerprint
            var other = verifier.verify(List.of(Completion.newBuilder(c).setFingerprint("0".repeat(64)).build()),
                    Map.of(), Progress.NONE).getFirst();
            assertEquals(Reverifier.Status.NOT_VERIFIABLE, other.status(), other.detail());
            assertTrue(other.detail().startsWith("re-executed with a different fingerprint"), other.detail());
        }
    }

    private static Completion withParams(Completion c, Request r) {
        return Completion.newBuilder(c).setSampling(dev.invariant.schemas.EngineMapping.record(r.params())).build();
    }

    private static String hash(List<Integer> ids) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * ids.size());
        ids.forEach(b::putInt);
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static GenerationResult made(EngineConfig config, Request r) {
        try (Engine e = Engine.open(config)) {
            return e.generateAll(List.of(r), (done, total, tokens) -> { }).getFirst();
        }
    }

    private static Completion completion(GenerationResult g) {
        assertTrue(g.ok(), () -> g.error().describe());
        return Completion.newBuilder()
                .setRequestId(g.requestId())
                .setModel("stories260K")
                .setEngine(EngineInfo.newBuilder().setName("invariant").setVersion("test").setBackend("cpu")
                        .setNumericsProfile(g.profile().wireName()).build())
                .setPromptTokenIds(Arrays.stream(g.promptTokenIds()).boxed().toList())
                .setTokenIds(Arrays.stream(g.tokenIds()).boxed().toList())
                .setText(g.text())
                .setFingerprint(g.fingerprint())
                .setOutputHash(g.outputHash())
                .setSeed(g.seed())
                .setCreatedAt(Instant.now())
                .build();
    }
}
