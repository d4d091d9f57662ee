package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.cpu.CpuBackend;
import dev.invariant.engine.backend.cpu.CpuBackendConfig;
import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.backend.cpu.SyntheticModel;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.ModelLoader;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The portable profile's promise across devices: the CUDA backend's logits are the CPU backend's, raw float bits,
 * after a prompt prefilled in one piece or in chunks, at every decoded position, with any block placement and with
 * companions of random lengths in the same steps. The prompt crosses two attention splits (64, 128). With a bf16 or
 * fp8 KV cache too: both backends round each key and value to the stored dtype and widen it back exactly.
 */
class CudaMatchesCpuTest {
    private static final int PROMPT = 150;
    private static final int DECODE = 4;

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-qwen2", "tiny-qwen3"})
    void sharedModels(String name) {
        try (LoadedModel m = LoadedModel.open(name)) {
            compare(name, m.model());
        }
    }

    /**
     * One-token bf16 steps on each of matvec_stream.cu's rings, forced (the default, auto, gives these shapes the
     * 16-warp _w16 ring): base (8 warps x 3 slots), w16, wide (8 warps x 3 slots of 12 groups, the input row by bulk
     * copy), and the pair variants (rings for two blocks per multiprocessor, the norm's weights read from global
     * memory; the next kernel released before or after the wait): the same bits as the CPU on the vector path, the
     * scalar path (K not a multiple of 8) and the Qwen2.5-0.5B layer shape; w16 and wide also on a model above auto's
     * hidden size (2,560, where auto takes wide), and auto there.
     */
    @ParameterizedTest
    @ValueSource(strings = {"base", "w16", "wide", "pair", "pair-early", "auto"})
    void streamVariant(String variant) {
        Gpu.withProperties(Map.of(ProjectionKernels.STREAM_VARIANT, variant), () -> {
            wideQwen2Shape();
            oddWidthsQwen3Shape();
            qwen25HalfLayers();
            if (variant.equals("w16") || variant.equals("wide") || variant.equals("auto")) synthetic(aboveW16Hidden());
        });
    }

    /** f32 weights (stories260K: k = 64 and 172) on the _w16 ring, which only the forced variant gives them. */
    @Test
    void streamW16F32() {
        Gpu.withProperties(Map.of(ProjectionKernels.STREAM_VARIANT, "w16"), () -> {
            try (LoadedModel m = LoadedModel.open("stories260K")) {
                compare("stories260K w16", m.model());
            }
        });
    }

    /** Qwen2-shaped, bf16, K = 320 and 704 (the vector path with a partial last chunk of 32), the qkv bias. */
    static final ModelConfig QWEN2_320 = new ModelConfig(Architecture.QWEN2, 320, 704, 2, 5, 1, 64, 1000, 4096, 1e6,
            1e-6f, false, true, false, 0, List.of(1));
    /** Qwen3-shaped: K = 100 and 172 (the scalar path), head_dim 20 (a tail inside one attention dot), q/k norm. */
    static final ModelConfig QWEN3_100 = new ModelConfig(Architecture.QWEN3, 100, 172, 2, 5, 1, 20, 333, 4096, 1e6,
            1e-6f, true, false, true, 0, List.of(1));
    /** Llama-shaped: K = 100 and 172, head_dim 20 with half a head of 10, no bias. */
    static final ModelConfig LLAMA_100 = new ModelConfig(Architecture.LLAMA, 100, 172, 2, 5, 1, 20, 333, 4096, 1e4,
            1e-5f, false, false, false, 0, List.of(1));
    /** Qwen2-shaped: head_dim 18 (scalar loads), 4 heads over 2 KV heads. */
    static final ModelConfig QWEN2_HEAD18 = new ModelConfig(Architecture.QWEN2, 72, 160, 2, 4, 2, 18, 300, 4096, 1e6,
            1e-6f, false, true, false, 0, List.of(1));

    /** Hidden 2,560 (20 heads of 128 over 4 KV heads), FFN 6,900 (down's K not a multiple of 8), two layers. */
    static ModelConfig aboveW16Hidden() {
        ModelConfig c = new ModelConfig(Architecture.QWEN2, 2560, 6900, 2, 20, 4, 128, 1000, 4096, 1e6, 1e-6f,
                false, true, false, 0, List.of(1));
        if (c.hiddenSize() <= StreamRing.W16_MAX_HIDDEN) throw new IllegalStateException("auto would take w16 here");
        return c;
    }

    /** bf16, K = 320 and 704: the vector path with a partial last chunk of 32. */
    @Test
    void wideQwen2Shape() {
        synthetic(QWEN2_320);
    }

    /** K = 100 and 172 (not multiples of 8: the scalar path), head_dim 20 (a tail inside one attention dot), q/k norm. */
    @Test
    void oddWidthsQwen3Shape() {
        synthetic(QWEN3_100);
    }

    /** The Qwen2.5-0.5B layer shape (hidden 896, FFN 4864, 14/2 heads of 64, vocab 151936), two layers. */
    @Test
    void qwen25HalfLayers() {
        synthetic(qwen25TwoLayers(), KvCacheDtype.FP32);
    }

    /** Each narrow KV dtype on tiny shapes: head_dim 20 with q/k norm (4-element loads) and head_dim 18 (scalar loads). */
    @ParameterizedTest
    @EnumSource(value = KvCacheDtype.class, names = {"BF16", "FP8_E4M3", "FP8_E5M2"})
    void kvCacheDtypeTinyShapes(KvCacheDtype kv) {
        synthetic(QWEN3_100, kv);
        synthetic(QWEN2_HEAD18, kv);
    }

    /**
     * One-token steps (chunks of 1, decode) with RoPE and the KV cache write fused into the q|k|v projection
     * (FusedRope: matvec_stream.cu's _norm_rope kernels) and without it (the projection, then rope_kv.cu), every KV
     * dtype: Qwen2-shaped (the qkv bias, K = 320) and Llama-shaped models (no bias; K = 100: the scalar path, head_dim
     * 20 with half a head of 10; K = 128 with 4/2 heads of 32), bf16 weights and f32 (the tiny Llama and Qwen2
     * presets), each step's logits bits against the CPU's.
     */
    @ParameterizedTest
    @CsvSource({"true, FP32", "true, BF16", "true, FP8_E4M3", "true, FP8_E5M2", "false, FP32", "false, FP8_E4M3"})
    void fusedRope(boolean on, KvCacheDtype kv) {
        Gpu.withProperties(Map.of(FusedRope.PROPERTY, Boolean.toString(on)), () -> {
            synthetic(QWEN2_320, kv);
            synthetic(LLAMA_100, kv);
            synthetic(new ModelConfig(Architecture.LLAMA, 128, 256, 2, 4, 2, 32, 500, 4096, 1e4, 1e-5f,
                    true, false, false, 0, List.of(1)), kv);
            for (String f32 : List.of("synthetic:tiny@f32", "synthetic:tiny-qwen2@f32")) {  // the f32 kernels
                compare(f32, ModelLoader.load(f32), PROMPT, kv);
            }
        });
    }

    /** Each narrow KV dtype on the Qwen2.5-0.5B layer shape (two layers), companions in the batch included. */
    @ParameterizedTest
    @EnumSource(value = KvCacheDtype.class, names = {"BF16", "FP8_E4M3", "FP8_E5M2"})
    void kvCacheDtypeQwen25HalfLayers(KvCacheDtype kv) {
        synthetic(qwen25TwoLayers(), kv);
    }

    /**
     * Steps of many tokens and many logits rows (kernels/matvec_tile.cu from ProjectionKernels.TILE_MIN_TOKENS on): 40 prompts
     * of 3 tokens prefilled in one step (120 tokens; the logits rows picked through xrows), then two decode steps of
     * all 40, every sequence's logits against the CPU; with the tiles forced on every projection (64x16, or the bulk
     * 16x16), their rows staged by the copy engine (the default) or by the block's threads (/cp), and with the tiles
     * off (matvec.cu's token groups). f32 weights (stories260K: k = 64 and 172, rows and tails only) and bf16 with the
     * qkv bias (auto+16x16: auto with -Dinvariant.cuda.tile-16x16=true, the default, which gives its 320-row
     * projections of the 120-token step the 16x16 tiles; auto alone: with it false).
     */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "auto+16x16", "64x16", "16x16", "64x16/cp", "off"})
    void manySequencesInOneStep(String choice) {
        String[] parts = choice.split("/");
        var properties = Map.of(ProjectionKernels.TILE, parts[0].replace("+16x16", ""), ProjectionKernels.TILE_SMALL,
                String.valueOf(parts[0].endsWith("+16x16")), ProjectionKernels.TILE_STAGING,
                parts.length > 1 ? parts[1] : "bulk");
        Gpu.withProperties(properties, () -> {
            try (LoadedModel stories = LoadedModel.open("stories260K"); Arena arena = Arena.ofShared()) {
                manySequences("stories260K, tile " + choice, stories.model());
                manySequences("QWEN2-320, tile " + choice, SyntheticModel.build(QWEN2_320, arena, 5));
            }
        });
    }

    static void manySequences(String name, Model m) {
        int seqs = 40, prompt = 3, decode = 2;
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        int[][] tokens = new int[seqs][];
        for (int i = 0; i < seqs; i++) tokens[i] = rnd.ints(prompt + decode, 0, m.config().vocabSize()).toArray();
        int numBlocks = seqs + 1;  // a block of 16 positions per sequence
        int[][] cpu;
        try (CpuBackend be = new CpuBackend(m, new CpuBackendConfig(2, StepScript.BLOCK, numBlocks,
                NumericsProfile.PORTABLE, KvCacheDtype.FP32))) {
            cpu = allLogits(be, tokens, prompt);
        }
        int[][] gpu;
        try (CudaBackend be = Gpu.open(m, Gpu.config(StepScript.BLOCK, numBlocks).withBatching(seqs, 512, 512))) {
            gpu = allLogits(be, tokens, prompt);
        }
        assertArrayEquals(cpu, gpu, name + ": CUDA logits bits differ from the CPU's");
    }

    /** Every sequence's chunk in one step (the prompt, then a token at a time); the bits of every logits row. */
    private static int[][] allLogits(Backend be, int[][] tokens, int prompt) {
        List<int[]> out = new ArrayList<>();
        for (int pos = 0, len = prompt; pos < tokens[0].length; pos += len, len = 1) {
            List<SeqChunk> step = new ArrayList<>();
            for (int i = 0; i < tokens.length; i++) {
                step.add(new SeqChunk(i, Arrays.copyOfRange(tokens[i], pos, pos + len), pos, new int[] {i}, true));
            }
            for (float[] logits : be.forward(step)) out.add(StepScript.bits(logits));
        }
        return out.toArray(int[][]::new);
    }

    static ModelConfig qwen25TwoLayers() {
        ModelConfig q = SyntheticModel.qwen25Half();
        return new ModelConfig(q.architecture(), q.hiddenSize(), q.intermediateSize(), 2, q.numHeads(),
                q.numKvHeads(), q.headDim(), q.vocabSize(), q.maxPositionEmbeddings(), q.ropeTheta(), q.rmsNormEps(),
                q.tieWordEmbeddings(), q.attentionBias(), q.qkNorm(), q.bosTokenId(), q.eosTokenIds());
    }

    private static void synthetic(ModelConfig c) {
        synthetic(c, KvCacheDtype.FP32);
    }

    static void synthetic(ModelConfig c, KvCacheDtype kv) {
        try (Arena arena = Arena.ofShared()) {
            compare(c.architecture() + "-" + c.hiddenSize(), SyntheticModel.build(c, arena, 5), PROMPT, kv);
        }
    }

    static void compare(String name, Model m) {
        compare(name, m, PROMPT, KvCacheDtype.FP32);
    }

    static void compare(String name, Model m, int promptLength, KvCacheDtype kv) {
        int vocab = m.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        int[] prompt = rnd.ints(promptLength, 0, vocab).toArray();
        int[] decoded = rnd.ints(DECODE, 0, vocab).toArray();
        int blocks = (promptLength + DECODE + StepScript.BLOCK - 1) / StepScript.BLOCK;
        int[] straight = StepScript.blocks(0, blocks);
        int[] shuffled = StepScript.shuffledBlocks(rnd, 4 * blocks, blocks);
        record Case(String what, int[] table, int chunk, boolean companions) {
        }
        List<Case> cases = List.of(new Case("one prefill", straight, promptLength, false),
                new Case("chunks of 7", straight, 7, false), new Case("chunks of 3", straight, 3, false),
                new Case("chunks of 1", straight, 1, false),
                new Case("shuffled blocks, chunks of 64, companions", shuffled, 64, true));
        for (Case c : cases) {
            long seed = rnd.nextLong();
            int numBlocks = StepScript.numBlocks(c.table());
            int[][] cpu;
            try (CpuBackend be = new CpuBackend(m, new CpuBackendConfig(2, StepScript.BLOCK, numBlocks,
                    NumericsProfile.PORTABLE, kv))) {
                cpu = StepScript.run(be, prompt, decoded, c.table(), c.chunk(), c.companions(), new SplittableRandom(seed));
            }
            int[][] gpu;
            // a step holds the whole prompt where the case prefills it in one chunk
            EngineConfig config = Gpu.config(StepScript.BLOCK, numBlocks).withKvCacheDtype(kv)
                    .withBatching(8, Math.max(512, promptLength), 512);
            try (CudaBackend be = Gpu.open(m, config)) {
                gpu = StepScript.run(be, prompt, decoded, c.table(), c.chunk(), c.companions(), new SplittableRandom(seed));
            }
            assertArrayEquals(cpu, gpu, name + ", kv " + kv.wireName() + ", " + c.what()
                    + ": CUDA logits bits differ from the CPU's");
        }
    }
}
