package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.BackendProvider;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ProgressListener;
import java.util.EnumSet;
import java.util.Set;

/** The CUDA backend under the name {@code cuda}. */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    /**
     * portable, fast (tensor cores, batch-invariant: kernels/matmul_fast.cu) and naive (which exists to reproduce the
     * failure: kernels/matvec_naive.cu).
     */
    @Override
    public Set<NumericsProfile> profiles() {
        return EnumSet.of(NumericsProfile.PORTABLE, NumericsProfile.FAST, NumericsProfile.NAIVE);
    }

    /**
     * Every architecture the engine reads: Llama (and Mistral), Qwen2, Qwen3, SmolLM3 (its NoPE layers rotate by the
     * identity's table, as on the CPU), Gemma 2 and 3 (the window and the score cap in the attention kernels, the
     * other steps in kernels/pointwise.cu and norm_add.cu), Gemma 1 (pointwise.cu's gelu_erf_mul or gelu_tanh_mul, as
     * its hidden_act says), Granite (its multipliers there), OLMo 2 (its q/k norms over the whole projection in
     * qk_norm.cu; OLMo 3 as OLMo 2 with a window), EXAONE 4 (OLMo 2's norms, Qwen3's q/k norms, SmolLM3's NoPE layers),
     * GLM-4-0414 (Gemma's norm_add.cu with plain norms), OLMoE (OLMo 2's q/k norms, experts), HunYuan (its q/k norms
     * after RoPE: rope_kv.cu's _after kernels), GPT-NeoX and Phi (LayerNorm in layer_norm.cu, the biases in the
     * projections' epilogue, GELU and the parallel residual in pointwise.cu: CudaGptLayer), each shown to give the
     * CPU's bits (CudaSeededModelsTest, CudaRopeScalingTest; EXAONE 4, Gemma 1, HunYuan, GPT-NeoX and Phi since
     * 2026-12-08 on an H100). A portable result is only claimed where a kernel's bits were shown equal to the CPU's: an
     * architecture added to the engine stays the CPU's until its GPU test passes. Not yet here: GPT-2, whose GPU path
     * (CudaGptLayer, its learned positions by embed.cu's lookup) is built but has not run on a GPU, and StarCoder2
     * (CudaGptLayer in sequence with the attention kernels' window); each becomes the GPU's by adding it here and its
     * seeded checkpoint (tiny-gpt2, tiny-starcoder2-window) to CudaSeededModelsTest, once that passes. StableLM needs
     * its path first: Llama's gated MLP after the GPT layer's LayerNorms (CudaGptLayer runs the ungated one).
     */
    @Override
    public Set<Architecture> architectures() {
        return EnumSet.of(Architecture.LLAMA, Architecture.QWEN2, Architecture.QWEN3, Architecture.SMOLLM3,
                Architecture.GEMMA2, Architecture.GEMMA3, Architecture.GRANITE, Architecture.OLMO2, Architecture.GLM4,
                Architecture.OLMOE, Architecture.EXAONE4, Architecture.GEMMA, Architecture.HUNYUAN,
                Architecture.GPT_NEOX, Architecture.PHI);
    }

    /**
     * A mixture of experts: the router and each token's choice in kernels/moe.cu, every expert over every token
     * (CudaForward.experts), bit for bit the CPU's (CudaSeededModelsTest.mixturesOfExperts).
     */
    @Override
    public boolean runsExperts() {
        return true;
    }

    /** GPTQ int8/int4 projections run packed (kernels/gptq_matvec.cu, bit for bit the CPU's; naive: matvec_naive.cu). */
    @Override
    public boolean runsGptq() {
        return true;
    }

    @Override
    public Backend open(Model model, EngineConfig config) {
        return CudaBackend.open(model, config, ProgressListener.NONE);
    }

    /** Every stored dtype: kernels/rope_kv.cu and attention.cu have a variant for each (kernels/kv.cuh). */
    @Override
    public Set<KvCacheDtype> kvCacheDtypes() {
        return EnumSet.of(KvCacheDtype.FP32, KvCacheDtype.BF16, KvCacheDtype.FP8_E4M3, KvCacheDtype.FP8_E5M2);
    }
}
