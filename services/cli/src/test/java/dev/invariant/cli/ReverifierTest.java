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
 * Completions made with a quantised KV cache are re-executed with that cache, read off their fingerprint (field 4
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
