package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

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
import dev.invariant.engine.sample.SamplingParams;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The naive profile on the GPU (kernels/matvec_naive.cu, attention_naive.cu, {@link NaiveKernels}) does what it
 * exists for, and only that: a token's logits follow the batch it is in (through the projections; naive attention's
 * merge rounds with the KV split count), the same batch gives the same bits run to run, its values are a conventional engine's (as far
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
     * Naive attention's merge itself, on the same split records (per head: 5 blocks of random m_s, l_s, o_s, a decode
     * token at position 299): the KV split count a lone decode token gets (a block per split) reproduces
     * attention_merge's canonical values bit for bit, and the counts a token gets beside others (2 or 3 splits of
     * several blocks) round differently. The merge is compared directly: through a whole model a 1-ulp change in
     * an attention output is often absorbed by the sums after it, so equal logits would not show that it ran.
     */
    @Test
    void naiveAttentionMergeFollowsTheKvSplits() {
        int heads = 4;
        int headDim = 64;
        int maxSplits = 8;
        int rs = headDim + 2;
        int blocks = 299 / AttentionKernels.SPLIT + 1;
        Random rnd = new Random(7);
        float[] records = new float[heads * maxSplits * rs];
        for (int h = 0; h < heads; h++) {
            for (int s = 0; s < blocks; s++) {
                int r = (h * maxSplits + s) * rs;
                records[r] = (float) (rnd.nextGaussian() * 2);
                records[r + 1] = 1 + 63 * rnd.nextFloat();
                for (int d = 0; d < headDim; d++) records[r + 2 + d] = (float) (rnd.nextGaussian() * 8);
            }
        }
        try (CudaContext c = CudaContext.open(0)) {
            CUdeviceptr part = c.alloc(4L * records.length);
            CUdeviceptr positions = c.alloc(4);
            CUdeviceptr out = c.alloc(4L * heads * headDim);
            cuMemcpyHtoD(part, Pointer.to(records), 4L * records.length);
            cuMemcpyHtoD(positions, Pointer.to(new int[] {299}), 4);
            int[] canonical = merge(c, "attention_decode", "attention_merge", heads, headDim, out, part, positions,
                    maxSplits, -1);
            assertArrayEquals(canonical, merge(c, "attention_naive", "attention_merge_naive", heads, headDim, out,
                    part, positions, maxSplits, blocks), "a block per KV split: the canonical values");
            for (int kvSplits : new int[] {2, 3}) {
                assertFalse(Arrays.equals(canonical, merge(c, "attention_naive", "attention_merge_naive", heads,
                        headDim, out, part, positions, maxSplits, kvSplits)), kvSplits + " KV splits gave the canonical bits");
            }
        }
    }

    /**
     * One merge block per head (kvSplits < 0: attention_merge's signature, without it), no window; the output's
     * bits.
     */
    private static int[] merge(CudaContext c, String op, String kernel, int heads, int headDim, CUdeviceptr out,
                               CUdeviceptr part, CUdeviceptr positions, int maxSplits, int kvSplits) {
        CUfunction f = c.function(op, kernel);
        List<Pointer> args = new ArrayList<>(List.of(Pointer.to(part), Pointer.to(out), Pointer.to(positions),
                Pointer.to(new int[] {heads}), Pointer.to(new int[] {headDim}), Pointer.to(new int[] {maxSplits})));
        if (kvSplits >= 0) args.add(Pointer.to(new int[] {kvSplits}));
        args.add(Pointer.to(new int[] {0}));  // window: every key
        cuLaunchKernel(f, heads, 1, 1, AttentionKernels.mergeThreads(headDim), 1, 1, 0, null,
                Pointer.to(args.toArray(Pointer[]::new)), null);
        cuCtxSynchronize();
        float[] host = new float[heads * headDim];
        cuMemcpyDtoH(Pointer.to(host), out, 4L * host.length);
        return StepScript.bits(host);
    }

    /**
     * A 150-token prompt in chunks of 7 and 4 decoded tokens, every step shared with companions of random lengths:
     * twice on fresh GPU backends (the same bits), and on the CPU in both profiles for the distance check.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-gptq-int8", "tiny-gptq-int4", QWEN25, "qwen1.5-small-gptq-int8",
            "tiny-gemma2", "tiny-olmo2"})
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
