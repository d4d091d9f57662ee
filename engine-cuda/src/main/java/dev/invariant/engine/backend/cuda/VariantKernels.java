package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.model.Activation;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * The steps of the architectures beyond Llama and Qwen that Llama's kernels do not fuse (kernels/pointwise.cu,
 * norm_add.cu, qk_norm.cu): scaled embeddings (Gemma, Granite), the norms of the attention's and the MLP's outputs
 * (Gemma, OLMo 2), GELU (Gemma), SiLU on an input no norm precedes (OLMo 2), q/k norms over the whole projection
 * (OLMo 2), scaled residual adds (Granite), the logits' cap (Gemma 2) or divisor (Granite), and the GPT layer's
 * LayerNorm, GELU and parallel residual (GPT-NeoX, Phi; kernels/layer_norm.cu). Each is its own
 * kernel, one thread per value (one warp per token and row for the norms), so a model without them launches none.
 */
final class VariantKernels {
    /** Threads of a block: one per value, or (the norms) staging and writing a token's row that one warp reduces. */
    private static final int THREADS = 256;
    private final Kernels k;
    private final CUfunction scale;
    private final CUfunction divide;
    private final CUfunction softcap;
    private final CUfunction addScaled;
    private final CUfunction geluMul;
    private final CUfunction geluErfMul;
    private final CUfunction siluMul;
    private final CUfunction normAdd;
    private final CUfunction qkNorm;
    private final CUfunction layerNorm;
    private final CUfunction geluErf;
    private final CUfunction geluTanh;
    private final CUfunction addPair;
    /** The longest row the norms stage (floats of shared memory a block may have, less their 1/rms). */
    private final int maxRow;

    VariantKernels(Kernels k, CudaContext ctx) {
        this.k = k;
        scale = k.dependentFn("pointwise", "scale_values");
        divide = k.dependentFn("pointwise", "divide_values");
        softcap = k.dependentFn("pointwise", "softcap_values");
        addScaled = k.dependentFn("pointwise", "add_scaled");
        geluMul = k.dependentFn("pointwise", "gelu_tanh_mul");
        geluErfMul = k.dependentFn("pointwise", "gelu_erf_mul");
        siluMul = k.dependentFn("pointwise", "silu_mul");
        normAdd = k.dependentFn("norm_add", "norm_add");
        qkNorm = k.dependentFn("qk_norm", "qk_norm_rows");
        layerNorm = k.dependentFn("layer_norm", "layer_norm");
        geluErf = k.dependentFn("pointwise", "gelu_erf_values");
        geluTanh = k.dependentFn("pointwise", "gelu_tanh_values");
        addPair = k.dependentFn("pointwise", "add_pair");
        // the norms stage a token's row in shared memory: up to what a block may have
        for (CUfunction f : new CUfunction[] {normAdd, qkNorm, layerNorm}) {
            cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    ctx.maxSharedPerBlock);
        }
        this.maxRow = ctx.maxSharedPerBlock / 4 - 2;
    }

    /** v[i] = v[i] * s for the first count values. */
    void scale(CUdeviceptr v, long count, float s) {
        k.launch(scale, blocks(count), 1, THREADS, 0, v, count, s);
    }

    /** v[i] = v[i] / d. */
    void divide(CUdeviceptr v, long count, float d) {
        k.launch(divide, blocks(count), 1, THREADS, 0, v, count, d);
    }

    /** v[i] = tanh(v[i] / cap) * cap. */
    void softcap(CUdeviceptr v, long count, float cap) {
        k.launch(softcap, blocks(count), 1, THREADS, 0, v, count, cap);
    }

    /** x[i] = x[i] + y[i] * m. */
    void addScaled(CUdeviceptr x, CUdeviceptr y, long count, float m) {
        k.launch(addScaled, blocks(count), 1, THREADS, 0, x, y, count, m);
    }

    /**
     * h[t][i] = act(gateUp[t][2i]) * gateUp[t][2i + 1] for n tokens of ffn values, act GELU (tanh or exact form) or
     * SiLU.
     */
    void actMul(Activation act, CUdeviceptr gateUp, CUdeviceptr h, int n, int ffn) {
        long count = (long) n * ffn;
        CUfunction f = switch (act) {
            case GELU_TANH -> geluMul;
            case GELU_ERF -> geluErfMul;
            case SILU -> siluMul;
        };
        k.launch(f, blocks(count), 1, THREADS, 0, gateUp, h, count);
    }

    /** In each of n tokens' q|k|v rows, RMSNorm over the whole q (qDim values) and over the whole k (kvDim). */
    void qkNorm(CUdeviceptr qkv, CUdeviceptr qNorm, CUdeviceptr kNorm, float eps, int n, int qDim, int kvDim) {
        k.launch(qkNorm, n, 1, THREADS, rowBytes(qDim + kvDim), qkv, qNorm, kNorm, eps, qDim, kvDim);
    }

    /** x[t] = x[t] + RMSNorm(o[t]) · w for n tokens of dim values. */
    void normAdd(CUdeviceptr o, CUdeviceptr w, CUdeviceptr x, float eps, int n, int dim) {
        k.launch(normAdd, n, 1, THREADS, rowBytes(dim), o, w, x, eps, dim);
    }

    /**
     * y[t] = LayerNorm(x[rows[t]]) with weight w and bias b for t below n (rows null: row t), kernels/layer_norm.cu
     * (GPT-NeoX, Phi).
     */
    void layerNorm(CUdeviceptr x, CUdeviceptr rows, CUdeviceptr w, CUdeviceptr b, CUdeviceptr y, float eps, int n,
                   int dim) {
        k.launch(layerNorm, n, 1, THREADS, rowBytes(dim), x, rows, w, b, y, eps, dim);
    }

    /** v[i] = gelu(v[i]), the exact or tanh form, for the first count values (GPT-NeoX's and Phi's MLP). */
    void gelu(Activation act, CUdeviceptr v, long count) {
        k.launch(act == Activation.GELU_ERF ? geluErf : geluTanh, blocks(count), 1, THREADS, 0, v, count);
    }

    /** x[i] = (m[i] + a[i]) + x[i] (the parallel residual of GPT-NeoX and Phi). */
    void addPair(CUdeviceptr x, CUdeviceptr a, CUdeviceptr m, long count) {
        k.launch(addPair, blocks(count), 1, THREADS, 0, x, a, m, count);
    }

    /** Shared memory for a norm's staged row of {@code floats} and its 1/rms values. */
    private int rowBytes(int floats) {
        if (floats > maxRow) {
            throw CudaContext.unavailable("a norm over " + floats + " values does not fit the GPU's shared memory");
        }
        return 4 * (floats + 2);
    }

    private static int blocks(long count) {
        return Math.toIntExact((count + THREADS - 1) / THREADS);
    }
}
