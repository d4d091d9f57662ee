package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.invariance.Run;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast profile on the GPU (kernels/fast.cuh, matmul_fast.cu, {@link FastKernels}) keeps the promises it exists for: a
 * sequence's logits bits do not depend on the batch it shares steps with (1 to 40 sequences, prefill and decode mixed,
 * so every tile shape of the kernel runs), nor on how its prompt is cut (one piece, chunks, a token at a time), nor on
 * the run; its values stay close to portable's, with the same greedy tokens on a real model; its completions name it.
 */
class CudaFastTest {
    /** The Qwen2.5-0.5B layer shape, two layers, bf16 (CudaMatchesCpuTest's). */
    private static final String QWEN25 = CudaNaiveTest.QWEN25;

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    /**
     * A 150-token prompt in chunks of 7 and 4 decoded tokens: alone, and with every step shared by companions of random
     * lengths (up to ~130 tokens a step); then 40 sequences prefilled and decoded together, alone and in groups.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-gptq-int8", QWEN25, "tiny-gemma3", "tiny-olmo2", "tiny-qwen2-moe",
        "tiny-qwen3-moe"})
    void aSequencesLogitsDoNotDependOnItsBatch(String name) {
        CudaNaiveTest.withModel(name, m -> {
            SplittableRandom rnd = new SplittableRandom(name.hashCode());
            int vocab = m.config().vocabSize();
            int[] prompt = rnd.ints(150, 3, vocab).toArray();
            int[] decoded = rnd.ints(4, 3, vocab).toArray();
            int[] table = StepScript.blocks(0, (150 + 4 + StepScript.BLOCK - 1) / StepScript.BLOCK);
            try (CudaBackend be = fast(m, StepScript.numBlocks(table), 512)) {
                int[][] alone = StepScript.run(be, prompt, decoded, table, 7, false, new SplittableRandom(1));
                for (long seed = 2; seed < 4; seed++) {
                    assertArrayEquals(alone, StepScript.run(be, prompt, decoded, table, 7, true, new SplittableRandom(seed)),
                            name + ": the companions changed the bits (seed " + seed + ")");
                }
            }
            int seqs = 40;
            int[][] tokens = new int[seqs][];
            for (int i = 0; i < seqs; i++) tokens[i] = rnd.ints(3 + rnd.nextInt(30) + 2, 3, vocab).toArray();
            try (CudaBackend be = fast(m, seqs * 4 + 1, 2048)) {
                int[][] together = manySequences(be, tokens, seqs);
                assertArrayEquals(together, manySequences(be, tokens, 1), name + ": 40 sequences together vs alone");
                assertArrayEquals(together, manySequences(be, tokens, 7), name + ": 40 sequences together vs in groups");
            }
        });
    }

    /**
     * Every tile shape of kernels/matmul_fast.cu forced on every projection (decode shapes on prefill steps, prefill
     * shapes on decode steps): the bits the engine's own choice gives, step by step, with companions.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", QWEN25})
    void everyTileShapeGivesTheSameBits(String name) {
        CudaNaiveTest.withModel(name, m -> {
            SplittableRandom rnd = new SplittableRandom(13);
            int[] prompt = rnd.ints(80, 3, m.config().vocabSize()).toArray();
            int[] decoded = rnd.ints(2, 3, m.config().vocabSize()).toArray();
            int[] table = StepScript.blocks(0, (82 + StepScript.BLOCK - 1) / StepScript.BLOCK);
            int[][] auto;
            try (CudaBackend be = fast(m, StepScript.numBlocks(table), 512)) {
                auto = StepScript.run(be, prompt, decoded, table, 40, true, new SplittableRandom(4));
            }
            for (String shape : FastKernels.shapeNames()) {
                System.setProperty(FastKernels.SHAPE, shape);
                try (CudaBackend be = fast(m, StepScript.numBlocks(table), 512)) {
                    assertArrayEquals(auto, StepScript.run(be, prompt, decoded, table, 40, true, new SplittableRandom(4)),
                            name + ": " + shape + " on every projection");
                } finally {
                    System.clearProperty(FastKernels.SHAPE);
                }
            }
        });
    }

    /** The same prompt in one piece, in chunks of 7 and a token at a time: the same bits after it and at every decoded position. */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", QWEN25, "tiny-gemma2"})
    void prefillChunkedPrefillAndDecodeGiveTheSameBits(String name) {
        CudaNaiveTest.withModel(name, m -> {
            SplittableRandom rnd = new SplittableRandom(7);
            int[] prompt = rnd.ints(70, 3, m.config().vocabSize()).toArray();
            int[] decoded = rnd.ints(3, 3, m.config().vocabSize()).toArray();
            int[] table = StepScript.blocks(0, (73 + StepScript.BLOCK - 1) / StepScript.BLOCK);
            try (CudaBackend be = fast(m, StepScript.numBlocks(table), 512)) {
                int[][] whole = StepScript.run(be, prompt, decoded, table, prompt.length, false, new SplittableRandom(1));
                assertArrayEquals(whole, StepScript.run(be, prompt, decoded, table, 7, false, new SplittableRandom(1)),
                        name + ": chunks of 7");
                assertArrayEquals(whole, StepScript.run(be, prompt, decoded, table, 1, false, new SplittableRandom(1)),
                        name + ": a token at a time");
            }
        });
    }

    /** Two engines on the same batches: the same bits; and the values are not portable's (the fast kernels ran). */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K"})
    void runToRunIdenticalAndCloseToPortable(String name) {
        CudaNaiveTest.withModel(name, m -> {
            SplittableRandom rnd = new SplittableRandom(11);
            int[] prompt = rnd.ints(150, 3, m.config().vocabSize()).toArray();
            int[] decoded = rnd.ints(4, 3, m.config().vocabSize()).toArray();
            int[] table = StepScript.blocks(0, (154 + StepScript.BLOCK - 1) / StepScript.BLOCK);
            int blocks = StepScript.numBlocks(table);
            int[][] first;
            int[][] second;
            int[][] portable;
            try (CudaBackend be = fast(m, blocks, 512)) {
                first = StepScript.run(be, prompt, decoded, table, 7, true, new SplittableRandom(3));
            }
            try (CudaBackend be = fast(m, blocks, 512)) {
                second = StepScript.run(be, prompt, decoded, table, 7, true, new SplittableRandom(3));
            }
            try (CudaBackend be = Gpu.open(m, Gpu.config(StepScript.BLOCK, blocks))) {
                portable = StepScript.run(be, prompt, decoded, table, 7, true, new SplittableRandom(3));
            }
            assertArrayEquals(first, second, name + ": two runs of the same batches, other bits");
            double d = CudaNaiveTest.distance(first, portable);
            // bf16 operands (8 significant bits: 2^-9 relative per rounding) through every projection of every layer,
            // with fp32 accumulation: a few 1e-3 per projection, growing over the layers; portable is the fp32 truth.
            assertTrue(d > 0, name + ": fast gave portable's bits (the fast kernels did not run)");
            assertTrue(d < 0.05, name + ": fast is " + d + " from portable's logits");
        });
    }

    /**
     * Greedy decoding of stories260K (f32 weights: fast rounds them to bf16) from the same prompt: fast picks portable's
     * tokens. Where it does not, the step must be a near tie in portable's logits (top-two gap within twice the largest
     * logit difference between the profiles at that step), and only after 16 equal tokens; the two then continue apart.
     */
    @Test
    void greedyTokensAreThoseOfPortableButForNearTies() {
        try (LoadedModel lm = LoadedModel.open("stories260K")) {
            Model m = lm.model();
            int[] prompt = new SplittableRandom(5).ints(12, 3, m.config().vocabSize()).toArray();
            List<float[]> portable = greedy(m, NumericsProfile.PORTABLE, prompt, 48);
            List<float[]> fast = greedy(m, NumericsProfile.FAST, prompt, 48);
            for (int i = 0; i < portable.size(); i++) {
                float[] p = portable.get(i);
                float[] f = fast.get(i);
                if (argmax(p) == argmax(f)) continue;
                double diff = 0;
                for (int j = 0; j < p.length; j++) diff = Math.max(diff, Math.abs(p[j] - f[j]));
                float[] sorted = p.clone();
                Arrays.sort(sorted);
                double gap = sorted[sorted.length - 1] - sorted[sorted.length - 2];
                assertTrue(i >= 16 && gap <= 2 * diff, "step " + i + ": fast picked " + argmax(f) + ", portable "
                        + argmax(p) + " with a top-two gap of " + gap + " (largest logit difference " + diff + ")");
                return;
            }
        }
    }

    /** Logits of each greedy step: the prompt prefilled, then each step's argmax fed back. */
    private static List<float[]> greedy(Model m, NumericsProfile profile, int[] prompt, int steps) {
        int[] table = StepScript.blocks(0, (prompt.length + steps + StepScript.BLOCK - 1) / StepScript.BLOCK);
        List<float[]> out = new ArrayList<>();
        try (CudaBackend be = Gpu.open(m, Gpu.config(StepScript.BLOCK, table.length).withProfile(profile))) {
            float[] logits = be.forward(List.of(new SeqChunk(0, prompt, 0, table, true)))[0];
            for (int i = 0; i < steps; i++) {
                out.add(logits);
                logits = be.forward(List.of(new SeqChunk(0, new int[] {argmax(logits)}, prompt.length + i, table, true)))[0];
            }
        }
        return out;
    }

    /** The greedy token: the largest logit, ties to the lowest id. */
    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /**
     * The whole engine on a real model: a continuously batched workload gives the greedy request the bits and tokens
     * it gets alone, other logits than portable's, and a fingerprint that names fast (not portable's).
     */
    @Test
    void engineBatchInvariantAndTheFingerprintNamesFast() {
        Request greedy = new Request("greedy", Prompt.text("Once upon a time, there was a little girl"),
                SamplingParams.builder().maxTokens(24).ignoreEos(true).build());
        List<Run.Arrival> a = new ArrayList<>(Run.companions(new Random(3), 40, 512, 48, 12));
        a.add(new Run.Arrival(0, greedy));
        EngineConfig base = EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(2)
                .withBatching(64, 256, 32).withKvCache(16, 32768, true).withBackend("cuda");
        Run batched = Run.execute(base.withProfile(NumericsProfile.FAST), a);
        Run alone = Run.execute(base.withProfile(NumericsProfile.FAST), List.of(new Run.Arrival(0, greedy)));
        Run portable = Run.execute(base, List.of(new Run.Arrival(0, greedy)));
        assertTrue(batched.maxBatchSeen > 16, "steps were shared by many sequences");
        GenerationResult b = batched.results.get("greedy");
        GenerationResult f = alone.results.get("greedy");
        GenerationResult p = portable.results.get("greedy");
        assertTrue(b.ok() && f.ok() && p.ok());
        assertEquals(alone.logitDigests.get("greedy"), batched.logitDigests.get("greedy"), "logits bits in a batch");
        assertArrayEquals(f.tokenIds(), b.tokenIds());
        assertEquals(f.outputHash(), b.outputHash());
        assertEquals(f.fingerprint(), b.fingerprint());
        assertNotEquals(alone.logitDigests.get("greedy"), portable.logitDigests.get("greedy"), "fast ran portable's kernels");
        assertEquals(NumericsProfile.FAST, f.profile());
        assertNotEquals(p.fingerprint(), f.fingerprint(), "the profile is part of the fingerprint");
        for (GenerationResult r : batched.results.values()) assertEquals(NumericsProfile.FAST, r.profile(), r.requestId());
    }

    /**
     * The engine's other invariances in fast (BatchInvarianceTest's workloads on the GPU): a greedy and a seeded
     * request alone, with the prompt in chunks of 7, after a prefix cache hit, and preempted and recomputed.
     */
    @Test
    void engineChunkingPrefixCacheAndPreemptionKeepTheBits() {
        String prompt = "Once upon a time, there was a little girl named Lily who loved to play outside";
        List<Request> subjects = List.of(
                new Request("greedy", Prompt.text(prompt), SamplingParams.builder().maxTokens(40).ignoreEos(true).build()),
                new Request("seeded", Prompt.text(prompt), SamplingParams.builder().maxTokens(40).ignoreEos(true)
                        .temperature(0.8f).topP(0.9f).topK(50).seed(1234L).build(), 0L, 5));
        EngineConfig base = EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(2)
                .withBatching(64, 4096, 4096).withKvCache(16, 32768, false).withBackend("cuda")
                .withProfile(NumericsProfile.FAST);
        List<Run.Arrival> atStart = Run.at(0, subjects);
        Run reference = Run.execute(base.withBatching(1, 4096, 4096), atStart);
        sameBits(reference, Run.execute(base.withBatching(4, 11, 7), atStart), "chunks of 7");
        List<Run.Arrival> warm = new ArrayList<>();
        warm.add(new Run.Arrival(0, new Request("warm", Prompt.text(prompt), SamplingParams.greedy(2))));
        warm.addAll(Run.at(6, subjects));
        sameBits(reference, Run.execute(base.withKvCache(4, 32768, true), warm), "prefix cache hit");
        List<Run.Arrival> crowd = new ArrayList<>(Run.companions(new Random(11), 12, 512, 40, 5));
        crowd.addAll(atStart);
        Run preempted = Run.execute(base.withBatching(16, 128, 16).withKvCache(8, 96, false), crowd);
        assertTrue(preempted.preemptions > 0, "the workload caused preemptions");
        sameBits(reference, preempted, "preemption");
    }

    private static void sameBits(Run reference, Run other, String what) {
        Run.assertSameBits(reference, other, List.of("greedy", "seeded"), what);
    }

    private static CudaBackend fast(Model m, int blocks, int maxTokens) {
        return Gpu.open(m, Gpu.config(StepScript.BLOCK, blocks).withBatching(48, maxTokens, maxTokens)
                .withProfile(NumericsProfile.FAST));
    }

    /**
     * Every sequence's prompt (its first 3 tokens) then its tokens one at a time, {@code group} sequences per step
     * (mixed: a group's sequences start at staggered steps, so prefills and decodes share steps); the bits of every
     * logits row, by sequence and position.
     */
    private static int[][] manySequences(Backend be, int[][] tokens, int group) {
        int seqs = tokens.length;
        int[][][] out = new int[seqs][][];
        for (int g0 = 0; g0 < seqs; g0 += group) {
            int g1 = Math.min(seqs, g0 + group);
            int[] pos = new int[seqs];
            int[] start = new int[seqs];
            for (int i = g0; i < g1; i++) {
                start[i] = (i - g0) % 3;  // sequences join at steps 0, 1, 2
                out[i] = new int[tokens[i].length - 2][];
            }
            for (int step = 0; ; step++) {
                List<SeqChunk> chunks = new ArrayList<>();
                List<Integer> who = new ArrayList<>();
                for (int i = g0; i < g1; i++) {
                    if (step < start[i] || pos[i] >= tokens[i].length) continue;
                    int len = pos[i] == 0 ? 3 : 1;
                    chunks.add(new SeqChunk(i, Arrays.copyOfRange(tokens[i], pos[i], pos[i] + len), pos[i],
                            StepScript.blocks(4 * i, 4), true));
                    who.add(i);
                }
                if (chunks.isEmpty() && step > 2) break;
                if (chunks.isEmpty()) continue;
                float[][] logits = be.forward(chunks);
                for (int c = 0; c < chunks.size(); c++) {
                    int i = who.get(c);
                    out[i][pos[i] == 0 ? 0 : pos[i] - 2] = StepScript.bits(logits[c]);
                    pos[i] += pos[i] == 0 ? 3 : 1;
                }
            }
        }
        List<int[]> flat = new ArrayList<>();
        for (int[][] s : out) flat.addAll(Arrays.asList(s));
        return flat.toArray(int[][]::new);
    }
}
