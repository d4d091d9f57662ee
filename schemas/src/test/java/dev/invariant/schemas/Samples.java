package dev.invariant.schemas;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Fully populated records of every schema, so round trips exercise every field. */
public final class Samples {

    private Samples() {
    }

    public static InferenceRequest request(String id) {
        return InferenceRequest.newBuilder()
                .setRequestId(id)
                .setModel("stories260K")
                .setPrompt("Once upon a time")
                .setMessages(List.of(new ChatMessage("system", "Be brief.", null, null, null, null), new ChatMessage("user", "Hi é ✓", null, null, null, null)))
                .setPromptTokenIds(List.of(1, 403, 407, 261))
                .setSampling(Sampling.newBuilder()
                        .setTemperature(0.7f).setTopK(40).setTopP(0.9f).setMinP(0.05f)
                        .setRepetitionPenalty(1.1f).setPresencePenalty(-0.5f).setFrequencyPenalty(0.25f)
                        .setMaxTokens(64).setSeed(-42L).setStop(List.of("\n\n", "The end"))
                        .setStopTokenIds(List.of(2, 3)).setIgnoreEos(true)
                        .build())
                .setNumericsProfile(Numerics.naive)
                .setStream(true)
                .setDeadlineMs(Instant.ofEpochMilli(1_790_000_000_123L))
                .setSessionId("session-9")
                .setMetadata(Map.of("client", "test", "trace", "abc"))
                .setLogprobs(2)
                .build();
    }

    public static Completion completion(String id) {
        return Completion.newBuilder()
                .setRequestId(id)
                .setModel("stories260K")
                .setEngine(new EngineInfo("invariant", "0.1.0", "cpu", "portable"))
                .setPromptTokenIds(List.of(1, 403))
                .setTokenIds(List.of(7, 8, 9, 2))
                .setText("a cat sat")
                .setFinishReason("stop")
                .setFingerprint("ab".repeat(32))
                .setOutputHash("cd".repeat(32))
                .setSeed(123456789012L)
                .setUsage(new Usage(2, 4))
                .setTimings(new Timings(0.5, 1.25, 3.75, 6.0, 1.5))
                .setBatchSizesSeen(List.of(1, 8, 64))
                .setWorkerId("worker-0")
                .setError(null)
                .setCreatedAt(Instant.ofEpochMilli(1_790_000_001_000L))
                .setLogprobs(List.of(new TokenLogprob(7, -0.125f, List.of(new LogprobAlternative(7, -0.125f),
                        new LogprobAlternative(3, -2.5f))), new TokenLogprob(8, -1e-7f, List.of()),
                        new TokenLogprob(9, -17.25f, List.of()), new TokenLogprob(2, -3e-5f, List.of())))
                .build();
    }

    public static Completion failedCompletion(String id) {
        return Completion.newBuilder(completion(id)).setLogprobs(null)
                .setTokenIds(List.of()).setText("").setFinishReason("error").setOutputHash(null)
                .setError(new CompletionError("UNKNOWN_MODEL", "model 'x' is not served: use one of stories260K"))
                .build();
    }

    public static CompletionChunk chunk(String id, int seq) {
        return new CompletionChunk(id, seq, List.of(10, 11), " sat", false);
    }

    public static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setOriginalKey(ByteBuffer.wrap(new byte[] {'k'}))
                .setOriginalValue(ByteBuffer.wrap(new byte[] {(byte) 0xff, 0, 1}))
                .setTopic(Topics.REQUESTS).setPartition(3).setOffset(1L << 40)
                .setReason("record starts with byte 0xff").setErrorClass("x.Y")
                .setTimestamp(Instant.ofEpochMilli(1_790_000_002_000L))
                .build();
    }
}
