package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineCore;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One workload run through the real engine, recording for every request the SHA-256 of the raw bits of the logits
 * at each output position, and its result. Arrivals are placed at chosen engine steps.
 */
public final class Run {
    public final Map<String, List<String>> logitDigests = new HashMap<>();
    public final Map<String, GenerationResult> results = new HashMap<>();
    public int maxBatchSeen;
    public long preemptions;
    /** Tokens the engine took from the backend's greedy choice instead of a logits row. */
    public long greedyChoices;

    public record Arrival(int step, Request request) {
    }

    /** Every request arriving at engine step {@code step}, in their order. */
    public static List<Arrival> at(int step, List<Request> requests) {
        return requests.stream().map(r -> new Arrival(step, r)).toList();
    }

    public static Run execute(EngineConfig config, List<Arrival> arrivals) {
        return execute(config, arrivals, true);
    }

    /**
     * Without {@code observeLogits} no logits digests are recorded, and the engine may take greedy rows' choices
     * from the backend (an observer makes it ask for every row).
     */
    public static Run execute(EngineConfig config, List<Arrival> arrivals, boolean observeLogits) {
        Run run = new Run();
        try (Engine engine = Engine.open(config)) {
            EngineCore core = engine.core();
            if (observeLogits) {
                core.setLogitsObserver((id, pos, logits) -> run.logitDigests
                        .computeIfAbsent(id, k -> new ArrayList<>()).add(digest(logits)));
            }
            List<Arrival> pending = new ArrayList<>(arrivals);
            pending.sort(java.util.Comparator.comparingInt(Arrival::step));
            int step = 0;
            while (!pending.isEmpty() || core.hasWork()) {
                while (!pending.isEmpty() && pending.getFirst().step() <= step) {
                    Request r = pending.removeFirst().request();
                    core.add(r, TokenListener.NONE, res -> run.results.put(res.requestId(), res));
                }
                int n = core.step();
                run.maxBatchSeen = Math.max(run.maxBatchSeen, n);
                step++;
            }
            run.preemptions = core.preemptions();
            run.greedyChoices = core.greedyChoices();
        }
        return run;
    }

    /** {@link #execute} unobserved, greedy choices on the backend on or off ({@link EngineCore#GREEDY_ON_BACKEND}). */
    public static Run withGreedyOnBackend(boolean on, EngineConfig config, List<Arrival> arrivals) {
        System.setProperty(EngineCore.GREEDY_ON_BACKEND, Boolean.toString(on));
        try {
            return execute(config, arrivals, false);
        } finally {
            System.clearProperty(EngineCore.GREEDY_ON_BACKEND);
        }
    }

    static String digest(float[] logits) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(logits.length * 4);
            for (float f : logits) b.putInt(Float.floatToRawIntBits(f));
            return HexFormat.of().formatHex(md.digest(b.array()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Companion requests of random prompt lengths (random token ids in [3, vocab)) and random arrival steps. */
    public static List<Arrival> companions(Random rnd, int count, int vocab, int maxPrompt, int maxArrivalStep) {
        List<Arrival> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int len = 1 + rnd.nextInt(maxPrompt);
            int[] ids = new int[len];
            for (int j = 0; j < len; j++) ids[j] = 3 + rnd.nextInt(vocab - 3);
            SamplingParams p = SamplingParams.builder().maxTokens(1 + rnd.nextInt(24)).ignoreEos(true)
                    .temperature(rnd.nextBoolean() ? 0f : 0.9f).build();
            out.add(new Arrival(rnd.nextInt(maxArrivalStep + 1), new Request("companion-" + i, new Prompt.TokenIds(ids), p)));
        }
        return out;
    }

    /**
     * {@code count} requests of random prompts for greedy decoding on the backend: plain greedy ones (half stopping at
     * EOS), and among them what must still get logits rows: greedy with a repetition, presence or frequency penalty,
     * greedy with logprobs, seeded sampling. Ids are {@code mix-<i>}; arrivals at steps 0..maxArrivalStep.
     */
    public static List<Arrival> greedyMix(Random rnd, int count, int vocab, int maxPrompt, int maxTokens,
                                          int maxArrivalStep) {
        List<Arrival> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] ids = new int[1 + rnd.nextInt(maxPrompt)];
            for (int j = 0; j < ids.length; j++) ids[j] = 3 + rnd.nextInt(vocab - 3);
            SamplingParams.Builder p = SamplingParams.builder().maxTokens(1 + rnd.nextInt(maxTokens))
                    .ignoreEos(i % 2 == 0);
            int logprobs = -1;
            switch (i % 8) {
                case 3 -> p.repetitionPenalty(1.3f);
                case 4 -> p.presencePenalty(0.5f).frequencyPenalty(0.25f);
                case 5 -> logprobs = 2;
                case 6 -> p.temperature(0.9f).topP(0.95f).seed((long) i);
                default -> { }
            }
            Request r = new Request("mix-" + i, new Prompt.TokenIds(ids), p.build(), 0L, logprobs);
            out.add(new Arrival(rnd.nextInt(maxArrivalStep + 1), r));
        }
        return out;
    }

    /** {@code requests} run together (arriving at once) on {@code model}'s base engine: their results by id. */
    public static Map<String, GenerationResult> together(String model, Request... requests) {
        return execute(BatchInvarianceTest.base(model), at(0, List.of(requests)), false).results;
    }

    /** As {@link #together}, each result asserted to have succeeded. */
    public static Map<String, GenerationResult> togetherOk(String model, Request... requests) {
        Map<String, GenerationResult> results = together(model, requests);
        for (GenerationResult r : results.values()) assertTrue(r.ok(), r.requestId() + ": " + r.error());
        return results;
    }

    /** A result's output texts: each of a beam search's or n samples' outputs, else its one text. */
    public static List<String> texts(GenerationResult g) {
        if (g.outputs().isEmpty()) return List.of(g.text());
        return g.outputs().stream().map(dev.invariant.engine.api.SequenceOutput::text).toList();
    }

    /**
     * {@code subjects}, each run alone, give the same bits batched among random companions (arriving two steps apart)
     * and in a crowd whose 96-token cache forces preemption: returns the run alone, for further comparisons.
     */
    public static Run assertInvariantAmongCompanions(String model, List<Request> subjects, long seed) {
        List<Arrival> alone = new ArrayList<>();
        for (Request s : subjects) alone.add(new Arrival(0, s));
        Run reference = execute(BatchInvarianceTest.base(model).withBatching(1, 4096, 4096), alone);
        List<Arrival> mixed = new ArrayList<>(companions(new Random(seed), 12, 512, 40, 8));
        for (int i = 0; i < subjects.size(); i++) mixed.add(new Arrival(2 * i, subjects.get(i)));
        Run batched = execute(BatchInvarianceTest.base(model).withBatching(64, 4096, 5), mixed);
        assertTrue(batched.maxBatchSeen > 3, "ran in batches");
        List<String> ids = subjects.stream().map(Request::requestId).toList();
        assertSameBits(reference, batched, ids, "batched");
        // A cache of 96 tokens cannot hold everyone: sequences are preempted and recomputed.
        List<Arrival> crowded = new ArrayList<>(companions(new Random(seed + 1), 12, 512, 40, 5));
        for (Request r : subjects) crowded.add(new Arrival(0, r));
        Run preempted = execute(BatchInvarianceTest.base(model).withBatching(16, 128, 16).withKvCache(8, 96, false),
                crowded);
        assertTrue(preempted.preemptions > 0, "the workload caused preemptions");
        assertSameBits(reference, preempted, ids, "preempted");
        return reference;
    }

    /**
     * Each named request's result in {@code other} is {@code reference}'s to the bit: logits, tokens, output hash,
     * log-probabilities (record equality compares the floats bit for bit) and fingerprint.
     */
    public static void assertSameBits(Run reference, Run other, List<String> ids, String what) {
        for (String id : ids) {
            GenerationResult a = reference.results.get(id);
            GenerationResult b = other.results.get(id);
            assertTrue(a.ok() && b.ok(), what + ": " + id + " failed");
            assertEquals(reference.logitDigests.get(id), other.logitDigests.get(id), what + ": logits bits of " + id);
            assertArrayEquals(a.tokenIds(), b.tokenIds(), what + ": tokens of " + id);
            assertEquals(a.outputHash(), b.outputHash(), what + ": output hash of " + id);
            assertEquals(a.logprobs(), b.logprobs(), what + ": logprobs of " + id);
            assertEquals(a.fingerprint(), b.fingerprint(), what + ": fingerprint of " + id);
        }
    }
}
