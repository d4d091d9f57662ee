package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.backend.cpu.CpuBackend;
import dev.invariant.engine.backend.cpu.CpuBackendConfig;
import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.backend.cpu.SyntheticModel;
import dev.invariant.engine.invariance.Run;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.sample.SamplingParams;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The naive profile on the GPU (kernels/matvec_naive.cu, attention_naive.cu, {@link NaiveKernels}) does what it
 * exists for, and only that: a token's logits follow the batch it is in (through the projections, and through the
 * attention alone), the same batch gives the same bits run to run, its values are a conventional engine's (as far
 * from the canonical ones as the CPU's naive values are), and decode steps replayed as CUDA graphs give what eager
 * steps give. Portable stays batch-invariant beside it.
 */
class CudaNaiveTest {
    /** The Qwen2.5-0.5B layer shape, two layers, bf16 (CudaMatchesCpuTest's). */
    static final String QWEN25 = "qwen2.5-0.5b-two-layers";

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    /**
     * An 8-token chunk alone in its step against the same chunk beside a 120-token companion (128 tokens): on an H200
     * the 0.5B shape's q|k|v projection takes 16 split-K pieces for the first and 4 for the second, the seed report's
     * GPTQ int8 quantisation at the CPU-sized Qwen1.5 shape 16 and 3 (NaiveKernels.splits).
     */
    @ParameterizedTest
    @ValueSource(strings = {QWEN25, "qwen1.5-small-gptq-int8"})
    void aTokensLogitsFollowTheBatchItIsIn(String name) {
        withModel(name, m -> {
            int[] probe = new SplittableRandom(1).ints(8, 3, m.config().vocabSize()).toArray();
            int[] alone = probe(m, NumericsProfile.NAIVE, probe, 0);
            int[] batched = probe(m, NumericsProfile.NAIVE, probe, 120);
            assertArrayEquals(alone, probe(m, NumericsProfile.NAIVE, probe, 0), name + ": the same step, other bits");
            assertArrayEquals(batched, probe(m, NumericsProfile.NAIVE, probe, 120), name + ": the same step, other bits");
            assertFalse(Arrays.equals(alone, batched), name + ": naive logits did not change with the batch");
            assertArrayEquals(probe(m, NumericsProfile.PORTABLE, probe, 0), probe(m, NumericsProfile.PORTABLE, probe, 120),
                    name + ": portable logits changed with the batch");
        });
    }

    /**
     * Attention alone: tiny-qwen2's projections split the same for 1 and 16 tokens (K = 32 and 128 allow 1 and 4
     * pieces, and its few output tiles never fill the GPU), while a decode token at position 299 (5 blocks of 64)
     * takes a KV split per block alone (4 heads: 33 splits on an H200, which combine to the canonical values) and
     * fewer splits of several blocks each beside enough other decode tokens (4 splits of 2 blocks beside 8, on an
     * H200), whose two-level combine rounds differently. The model has random weights: stories260K's trained heads
     * put nearly all weight on a few positions, so the other blocks' terms vanish in both combines and the bits agree.
     */
    @Test
    void aDecodeTokensAttentionFollowsTheBatchItIsIn() {
        int sms;
        try (CudaContext c = CudaContext.open(0)) {
            sms = c.multiprocessors;
        }
        try (LoadedModel lm = LoadedModel.open("tiny-qwen2")) {
            Model m = lm.model();
            ModelConfig c = m.config();
            int[][] shapes = {{c.qDim() + 2 * c.kvDim(), c.hiddenSize()}, {c.hiddenSize(), c.qDim()},
                    {2 * c.intermediateSize(), c.hiddenSize()}, {c.hiddenSize(), c.intermediateSize()}};
            for (int[] s : shapes) {
                assertEquals(NaiveKernels.splits(s[0], 1, s[1], sms), NaiveKernels.splits(s[0], 16, s[1], sms));
            }
            int blocks = 299 / Kernels.SPLIT + 1;
            assertEquals(1, ceilDiv(blocks, NaiveKernels.kvSplits(1, c.numHeads(), sms)), "alone: a block per split");
            // the fewest companions that put several blocks in a split without making it one split
            int companions = 1;
            while (companions < 26 && !severalBlocksPerSplit(blocks, NaiveKernels.kvSplits(1 + companions, c.numHeads(), sms))) {
                companions++;
            }
            assertTrue(severalBlocksPerSplit(blocks, NaiveKernels.kvSplits(1 + companions, c.numHeads(), sms)),
                    "no batch of at most 27 decode tokens splits 5 blocks two-level on " + sms + " multiprocessors");
            int[] prompt = new SplittableRandom(3).ints(300, 3, c.vocabSize()).toArray();
            int[] alone = decode(m, NumericsProfile.NAIVE, prompt, 0);
            assertArrayEquals(alone, decode(m, NumericsProfile.NAIVE, prompt, 0), "the same step, other bits");
            assertFalse(Arrays.equals(alone, decode(m, NumericsProfile.NAIVE, prompt, companions)),
                    "naive attention did not change with the batch (" + companions + " companions)");
            assertArrayEquals(decode(m, NumericsProfile.PORTABLE, prompt, 0),
                    decode(m, NumericsProfile.PORTABLE, prompt, companions), "portable logits changed with the batch");
        }
    }

    /** More than one split, and a split of more than one block: the combine's two levels both round. */
    private static boolean severalBlocksPerSplit(int blocks, int kvSplits) {
        return kvSplits > 1 && ceilDiv(blocks, kvSplits) > 1;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** The prompt's last token decoded after the rest is prefilled, beside {@code companions} one-token sequences. */
    private static int[] decode(Model m, NumericsProfile p, int[] prompt, int companions) {
        int blocks = ceilDiv(prompt.length, StepScript.BLOCK);
        EngineConfig c = Gpu.config(StepScript.BLOCK, blocks + companions).withBatching(32, 512, 512).withProfile(p);
        try (CudaBackend be = Gpu.open(m, c)) {
            int[] table = StepScript.blocks(0, blocks);
            int last = prompt.length - 1;
            be.forward(List.of(new SeqChunk(0, Arrays.copyOf(prompt, last), 0, table, false)));
            List<SeqChunk> step = new ArrayList<>();
            step.add(new SeqChunk(0, new int[] {prompt[last]}, last, table, true));
            for (int i = 0; i < companions; i++) {
                step.add(new SeqChunk(1 + i, new int[] {3 + i}, 0, new int[] {blocks + i}, false));
            }
            return StepScript.bits(be.forward(step)[0]);
        }
    }

    /**
     * A 150-token prompt in chunks of 7 and 4 decoded tokens, every step shared with companions of random lengths:
     * twice on fresh GPU backends (the same bits), and on the CPU in both profiles for the distance check.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-gptq-int8", "tiny-gptq-int4", QWEN25, "qwen1.5-small-gptq-int8"})
    void sameBatchesSameBitsAndConventionalValues(String name) {
        withModel(name, m -> {
            SplittableRandom rnd = new SplittableRandom(name.hashCode());
            int vocab = m.config().vocabSize();
            int[] prompt = rnd.ints(150, 3, vocab).toArray();
            int[] decoded = rnd.ints(4, 3, vocab).toArray();
            int[] table = StepScript.blocks(0, (150 + 4 + StepScript.BLOCK - 1) / StepScript.BLOCK);
            int blocks = StepScript.numBlocks(table);
            long seed = rnd.nextLong();
            int[][] first;
            int[][] second;
            try (CudaBackend be = Gpu.open(m, Gpu.config(StepScript.BLOCK, blocks).withProfile(NumericsProfile.NAIVE))) {
                first = StepScript.run(be, prompt, decoded, table, 7, true, new SplittableRandom(seed));
            }
            try (CudaBackend be = Gpu.open(m, Gpu.config(StepScript.BLOCK, blocks).withProfile(NumericsProfile.NAIVE))) {
                second = StepScript.run(be, prompt, decoded, table, 7, true, new SplittableRandom(seed));
            }
            assertArrayEquals(first, second, name + ": the same batches gave other bits");
            int[][] canonical = cpu(m, NumericsProfile.PORTABLE, blocks, prompt, decoded, table, seed);
            int[][] cpuNaive = cpu(m, NumericsProfile.NAIVE, blocks, prompt, decoded, table, seed);
            double gpu = distance(first, canonical);
            double cpu = distance(cpuNaive, canonical);
            assertTrue(gpu > 0, name + ": naive gave the canonical bits (the naive kernels did not run)");
            assertTrue(gpu <= 4 * cpu, name + ": naive on the GPU is " + gpu + " from the canonical logits, the CPU's"
                    + " naive " + cpu);
        });
    }

    /** A continuously batched workload, once with decode steps replayed as CUDA graphs and once eagerly. */
    @Test
    void decodeGraphsReplayTheSamePieces() {
        Random rnd = new Random(5);
        List<Run.Arrival> a = new ArrayList<>(Run.companions(rnd, 24, 512, 24, 8));
        a.add(new Run.Arrival(0, new Request("greedy", Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(24).ignoreEos(true).build())));
        EngineConfig c = EngineConfig.defaults("synthetic:qwen1.5-small-gptq-int8").withThreads(2)
                .withBatching(32, 256, 32).withKvCache(16, 8192, true).withBackend("cuda")
                .withProfile(NumericsProfile.NAIVE);
        Run graphs = Run.execute(c, a);
        Run eager;
        System.setProperty("invariant.cuda.graphs", "false");
        try {
            eager = Run.execute(c, a);
        } finally {
            System.clearProperty("invariant.cuda.graphs");
        }
        assertTrue(graphs.maxBatchSeen > 8, "steps were shared by many sequences");
        assertEquals(graphs.logitDigests, eager.logitDigests, "graphs and eager steps gave other logits");
        for (GenerationResult r : graphs.results.values()) {
            assertEquals(NumericsProfile.NAIVE, r.profile(), r.requestId());
            assertArrayEquals(r.tokenIds(), eager.results.get(r.requestId()).tokenIds(), r.requestId());
        }
    }

    /** Runs test on a shared model, or on {@link #QWEN25} (synthetic weights). */
    static void withModel(String name, Consumer<Model> test) {
        if (name.equals(QWEN25)) {
            try (Arena arena = Arena.ofShared()) {
                test.accept(SyntheticModel.build(CudaMatchesCpuTest.qwen25TwoLayers(), arena, 5));
            }
            return;
        }
        try (LoadedModel m = LoadedModel.open(name)) {
            test.accept(m.model());
        }
    }

    /** The probe's logits bits after one step: the probe in block 0, then (companion > 0) a companion in blocks 1... */
    private static int[] probe(Model m, NumericsProfile p, int[] probe, int companion) {
        try (CudaBackend be = Gpu.open(m, Gpu.config(StepScript.BLOCK, 16).withProfile(p))) {
            List<SeqChunk> step = new ArrayList<>();
            step.add(new SeqChunk(0, probe, 0, new int[] {0}, true));
            if (companion > 0) {
                int[] other = new SplittableRandom(2).ints(companion, 3, m.config().vocabSize()).toArray();
                step.add(new SeqChunk(1, other, 0, StepScript.blocks(1, (companion + 15) / 16), false));
            }
            return StepScript.bits(be.forward(step)[0]);
        }
    }

    private static int[][] cpu(Model m, NumericsProfile p, int blocks, int[] prompt, int[] decoded, int[] table,
                               long seed) {
        try (Backend be = new CpuBackend(m, new CpuBackendConfig(2, StepScript.BLOCK, blocks, p))) {
            return StepScript.run(be, prompt, decoded, table, 7, true, new SplittableRandom(seed));
        }
    }

    /** ||a - b|| / ||b|| over every logit of every position (raw bits read back as floats). */
    static double distance(int[][] a, int[][] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                double x = Float.intBitsToFloat(a[i][j]);
                double y = Float.intBitsToFloat(b[i][j]);
                diff += (x - y) * (x - y);
                norm += y * y;
            }
        }
        return Math.sqrt(diff / norm);
    }
}
