package dev.invariant.engine.backend.cuda;

import static dev.invariant.engine.backend.cuda.CudaMatchesCpuTest.compare;
import static dev.invariant.engine.backend.cuda.CudaMatchesCpuTest.manySequences;
import static dev.invariant.engine.backend.cuda.CudaMatchesCpuTest.synthetic;

import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.backend.cpu.SyntheticModel;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.ModelConfig;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CudaMatchesCpuTest's promise (logits bits equal to the CPU's) on attention's paths: attention.cu's one and two
 * passes and its shared memory sized per step, decode attention's variants (a warp per split, a block per split,
 * clusters, RoPE inside) and the step sizes that take it, every KV dtype.
 */
class CudaAttentionMatchesCpuTest {

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    /**
     * 504 positions (8 attention splits) with one-pass room for 4: attention.cu's two-pass path on every step, then
     * attention_decode.cu on the steps of few tokens (its splits over many warps), each against the CPU.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void twoPassAndDecodeAttention(boolean decodeKernel) {
        twoPass(KvCacheDtype.FP32, decodeKernel);
    }

    /**
     * attention.cu's shared memory sized per step (-Dinvariant.cuda.attention-smem=step): 514 positions, so the
     * decode steps (through attention.cu, in graphs) cross from a layout of 8 splits to one of 16; with one-pass room
     * for 4 splits (the two-pass path) and for all.
     */
    @ParameterizedTest
    @ValueSource(strings = {"4", "64"})
    void attentionSmemPerStep(String slots) {
        Gpu.withProperties(Map.of(AttentionKernels.SMEM, "step"),
                () -> longContext(KvCacheDtype.FP32, false, slots, 510));
    }

    /**
     * Decode attention (the default variant: clusters, RoPE inside) for steps of up to 64 tokens
     * (-Dinvariant.cuda.decode-attention-tokens=64): 40 sequences decoded in one step, and a 510-token prompt in chunks
     * of up to 64 (2 to 9 splits: merged in a cluster's shared memory and through the scratch).
     */
    @Test
    void decodeAttentionForManyTokens() {
        Gpu.withProperties(Map.of(AttentionKernels.DECODE_TOKENS, "64"), () -> {
            try (LoadedModel stories = LoadedModel.open("stories260K")) {
                manySequences("stories260K, decode attention up to 64 tokens", stories.model());
            }
            longContext(KvCacheDtype.FP32, true, "64", 510);
        });
    }

    /**
     * Decode attention a block per split (AttentionBlocks, kernels/attention_blocks.cu) after rope_kv.cu (blocks),
     * with RoPE and the KV write in the attention kernel (blocks-rope), the same in clusters of 8 blocks (cluster, the
     * default: up to 8 splits merged in the first block's shared memory), and a warp per split (attention_decode.cu,
     * splits), KV dtypes: Qwen2-shaped (5 heads over 1 KV head, head_dim 64), Llama-shaped (head_dim 20), head_dim 18 (scalar rows), Qwen3 (q/k norm: rope_kv stays);
     * chunks of 7 and 3 give steps of several tokens of one sequence (their rows made in the kernel, blocks-rope), and a
     * 1,100-token prompt 18 splits, so that blocks take two splits each and the last block merges (cluster: more
     * splits than a cluster, merged through scratch).
     */
    @ParameterizedTest
    @CsvSource({"blocks, FP32", "blocks, BF16", "blocks, FP8_E5M2", "blocks-rope, FP32", "blocks-rope, BF16",
            "blocks-rope, FP8_E4M3", "blocks-rope, FP8_E5M2", "cluster, FP32", "cluster, BF16", "cluster, FP8_E4M3",
            "cluster, FP8_E5M2", "splits, FP32", "splits, FP8_E4M3"})
    void attentionVariant(String variant, KvCacheDtype kv) {
        Gpu.withProperties(Map.of(AttentionBlocks.PROPERTY, variant), () -> {
            synthetic(CudaMatchesCpuTest.QWEN2_320, kv);
            synthetic(CudaMatchesCpuTest.LLAMA_100, kv);
            synthetic(CudaMatchesCpuTest.QWEN2_HEAD18, kv);
            synthetic(CudaMatchesCpuTest.QWEN3_100, kv);
            try (Arena arena = Arena.ofShared()) {
                compare("attention " + variant + ", 18 splits", SyntheticModel.build(new ModelConfig(
                        Architecture.QWEN2, 128, 256, 2, 4, 2, 32, 500, 4096, 1e6, 1e-6f, false, true, false, 0,
                        List.of(1)), arena, 7), 1100, kv);
            }
        });
    }

    /** Each narrow KV dtype through attention.cu's two-pass path on every step, then with attention_decode.cu. */
    @ParameterizedTest
    @EnumSource(value = KvCacheDtype.class, names = {"BF16", "FP8_E4M3", "FP8_E5M2"})
    void kvCacheDtypeTwoPassAndDecodeAttention(KvCacheDtype kv) {
        twoPass(kv, false);
        twoPass(kv, true);
    }

    private static void twoPass(KvCacheDtype kv, boolean decodeKernel) {
        longContext(kv, decodeKernel, "4", 500);
    }

    private static void longContext(KvCacheDtype kv, boolean decodeKernel, String slots, int prompt) {
        var properties = Map.of(AttentionKernels.ATTENTION_SLOTS, slots, AttentionKernels.DECODE_ATTENTION,
                Boolean.toString(decodeKernel));
        Gpu.withProperties(properties, () -> {
            try (Arena arena = Arena.ofShared()) {
                compare("attention, decode kernel " + decodeKernel + ", slots " + slots, SyntheticModel.build(
                        new ModelConfig(Architecture.QWEN2, 128, 256, 2, 4, 2, 32, 500, 4096, 1e6, 1e-6f, false,
                                true, false, 0, List.of(1)), arena, 7), prompt, kv);
            }
        });
    }
}
