package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.LayerWeights;
import dev.invariant.engine.model.ModelWeights;
import dev.invariant.engine.model.ProgressListener;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.gptq.GptqLayer;
import dev.invariant.engine.numerics.RmsNorm;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import jcuda.driver.CUdeviceptr;

/**
 * The model's weights in device memory, uploaded once as stored (bf16 or f32; f16 widened exactly to f32 on the
 * host, as the CPU backend does). Projections that read the same input are stacked row-wise into one matrix
 * (q|k|v; gate and up interleaved row by row, so one warp holds gate_i and up_i for the fused silu(gate) * up);
 * every row is still its own canonical dot, so stacking changes no value. Projection matrices are then rewritten on
 * the device into the projection layout of kernels/layout.cuh (a permutation within each row, so that a warp's lane
 * reads its own partial's weights with 16-byte loads); the embedding table stays row-major for the lookup, and a
 * tied lm_head gets its own copy in the projection layout (the fast profile's projections take kernels/matmul_fast.cu's
 * fragment layout in bf16 instead: {@link ProfileKernels#layout}). A GPTQ checkpoint's projections stay packed
 * ({@link GptqRows}: the same stacking, rows moved once on the host into kernels/gptq_matvec.cu's order).
 */
record DeviceWeights(Matrix embed, List<Layer> layers, CUdeviceptr norm, Matrix lmHead, CUdeviceptr normBias,
                     CUdeviceptr lmHeadBias, Matrix positions) {
    /** GPTQ layers prepared on the host ahead of the one being uploaded (memory: ~2 bytes per weight each). */
    private static final int HOST_AHEAD = 2;

    /** A projection's weights: dense ({@link Matrix}) or GPTQ-packed ({@link Gptq}). */
    sealed interface Projection permits Matrix, Gptq {
        int rows();

        /** Bytes a decode step reads. */
        long bytes();
    }

    /** Rows start {@code stride} values apart: {@code cols} for row-major, 16-byte aligned for the projection layout. */
    record Matrix(CUdeviceptr ptr, DType dtype, int rows, int cols, int stride) implements Projection {
        @Override
        public long bytes() {
            return (long) rows * stride * dtype.bytes();
        }
    }

    /**
     * GPTQ rows ({@link GptqRows}) on the device: packed values {@code stride} bytes apart, the (scale, -zero·scale)
     * table, the group ids and, for act-order stacks of distinct g_idx, each row's part (else null).
     */
    record Gptq(CUdeviceptr q, CUdeviceptr tab, CUdeviceptr gidx, CUdeviceptr rowPart, int bits, int rows, int cols,
                int stride, int groups, int gsz, long bytes) implements Projection {
    }

    /**
     * One decoder layer; {@code qkvBias} (Qwen2), {@code qNorm}/{@code kNorm} (Qwen3, Gemma 3, OLMo 2), the input
     * norms (OLMo 2 has none) and the norms of the attention's and the MLP's outputs (Gemma, OLMo 2: {@code oNorm},
     * post_attention_layernorm, and {@code downNorm}, post_feedforward_layernorm) are null where absent;
     * {@code postNorm} is the MLP's input norm (post_attention_layernorm, Gemma's pre_feedforward_layernorm). A
     * sparse layer of a mixture of experts has {@code experts} in place of {@code gateUp} and {@code down} (null).
     * The GPT layer's (GPT-NeoX, Phi) {@code gateUp} is up_proj alone (its MLP is ungated) and {@code gpt} holds its
     * other biases (null elsewhere).
     */
    record Layer(CUdeviceptr inputNorm, Projection qkv, CUdeviceptr qkvBias, CUdeviceptr qNorm, CUdeviceptr kNorm,
                 Projection o, CUdeviceptr oNorm, CUdeviceptr postNorm, Projection gateUp, Projection down,
                 CUdeviceptr downNorm, DeviceExperts experts, GptBiases gpt) {
    }

    /** The GPT layer's biases of its LayerNorms (Phi: the input's only), o_proj, up_proj and down_proj. */
    record GptBiases(CUdeviceptr inputNorm, CUdeviceptr postNorm, CUdeviceptr o, CUdeviceptr up, CUdeviceptr down) {
    }

    /**
     * {@code profile} says which layout the projections take ({@link ProfileKernels#layout}); {@code unitOffsetNorms}:
     * Gemma's norms, each weight uploaded as the float {@code 1 + w} ({@link RmsNorm#unitOffset}), as the CPU takes it.
     */
    static DeviceWeights upload(CudaContext ctx, Kernels k, ProfileKernels profile, ModelWeights w,
                                boolean unitOffsetNorms, Arena arena, ProgressListener progress) {
        java.util.function.Function<Tensor, CUdeviceptr> norm = t -> t == null ? null
                : ctx.upload(unitOffsetNorms ? RmsNorm.unitOffset(vector(t, arena)) : vector(t, arena));
        Matrix embed = matrix(ctx, arena, List.of(w.embedTokens()));
        Matrix head = w.lmHead() == w.embedTokens() ? profile.layout(ctx, k, embed, false)
                : profile.layout(ctx, k, matrix(ctx, arena, List.of(w.lmHead())), true);
        List<Layer> layers = new ArrayList<>();
        long total = 0;
        for (LayerWeights l : w.layers()) total += l.byteSize();
        long done = 0;
        List<LayerWeights> ls = w.layers();
        // GPTQ layers are moved into the kernel's order on the host (all cores) a few layers ahead of their upload
        @SuppressWarnings("unchecked")
        CompletableFuture<GptqRows[]>[] host = new CompletableFuture[ls.size()];
        for (int i = 0; i < ls.size(); i++) {
            for (int j = i; j < Math.min(i + HOST_AHEAD + 1, ls.size()); j++) {
                GptqLayer gj = ls.get(j).gptq();
                if (host[j] == null && gj != null) host[j] = CompletableFuture.supplyAsync(() -> GptqRows.layer(gj));
            }
            LayerWeights l = ls.get(i);
            GptqRows[] rows = host[i] == null ? null : join(host[i]);
            host[i] = null;
            CUdeviceptr bias = l.qBias() == null ? null
                    : ctx.upload(concat(vector(l.qBias(), arena), vector(l.kBias(), arena), vector(l.vBias(), arena)));
            Projection qkv = rows != null ? gptq(ctx, rows[0])
                    : profile.layout(ctx, k, matrix(ctx, arena, List.of(l.qProj(), l.kProj(), l.vProj())), true);
            Projection o = rows != null ? gptq(ctx, rows[1])
                    : profile.layout(ctx, k, matrix(ctx, arena, List.of(l.oProj())), true);
            boolean sparse = l.moe() != null;
            // the GPT layer's MLP is ungated: up_proj alone
            Projection gateUp = sparse ? null : rows != null ? gptq(ctx, rows[2])
                    : profile.layout(ctx, k, l.gateProj() == null ? matrix(ctx, arena, List.of(l.upProj()))
                            : interleaved(ctx, arena, l.gateProj(), l.upProj()), true);
            Projection down = sparse ? null : rows != null ? gptq(ctx, rows[3])
                    : profile.layout(ctx, k, matrix(ctx, arena, List.of(l.downProj())), true);
            DeviceExperts experts = !sparse ? null : DeviceExperts.upload(ctx, l.moe(),
                    (a, b) -> profile.layout(ctx, k, matrixOf(ctx, arena, a, b), true),
                    profile.portableExperts() ? (a, b) -> projection(ctx, k, matrixOf(ctx, arena, a, b), true)
                            : (a, b) -> profile.layout(ctx, k, matrixOf(ctx, arena, a, b), true),
                    (linears, interleave) -> gptq(ctx, GptqRows.linears(linears, interleave)));
            // Gemma, OLMo 2: post_attention_layernorm norms the attention's output, pre_feedforward_layernorm (Gemma)
            // the MLP's input
            boolean outputNorms = l.postFeedforwardLayernorm() != null;
            layers.add(new Layer(norm.apply(l.inputLayernorm()), qkv, bias, norm.apply(l.qNorm()),
                    norm.apply(l.kNorm()), o, outputNorms ? norm.apply(l.postAttentionLayernorm()) : null,
                    norm.apply(outputNorms ? l.preFeedforwardLayernorm() : l.postAttentionLayernorm()), gateUp, down,
                    norm.apply(l.postFeedforwardLayernorm()), experts, gptBiases(ctx, l.biases(), arena)));
            done += l.byteSize();
            progress.progress("upload weights to the GPU", done, total);
        }
        // GPT-2's learned positions: row-major as the embeddings, for the same lookup
        Matrix positions = w.positions() == null ? null : matrix(ctx, arena, List.of(w.positions()));
        return new DeviceWeights(embed, List.copyOf(layers), norm.apply(w.norm()), head,
                vectorOn(ctx, w.normBias(), arena), vectorOn(ctx, w.lmHeadBias(), arena), positions);
    }

    private static GptBiases gptBiases(CudaContext ctx, dev.invariant.engine.model.LayerBiases b, Arena arena) {
        return b == null ? null : new GptBiases(vectorOn(ctx, b.inputLayernorm(), arena),
                vectorOn(ctx, b.postAttentionLayernorm(), arena), vectorOn(ctx, b.oProj(), arena),
                vectorOn(ctx, b.upProj(), arena), vectorOn(ctx, b.downProj(), arena));
    }

    /** A vector (a bias) on the device as floats; null where none. */
    private static CUdeviceptr vectorOn(CudaContext ctx, Tensor t, Arena arena) {
        return t == null ? null : ctx.upload(vector(t, arena));
    }

    /** GPTQ rows built on the host ({@link GptqRows}), uploaded. */
    private static Gptq gptq(CudaContext ctx, GptqRows r) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment q = tmp.allocate(r.q().length, 16);
            MemorySegment.copy(r.q(), 0, q, ValueLayout.JAVA_BYTE, 0, r.q().length);
            CUdeviceptr qp = ctx.alloc(q.byteSize());
            ctx.upload(qp, 0, q);
            CUdeviceptr rowPart = r.rowPart() == null ? null : ints(ctx, tmp, r.rowPart());
            return new Gptq(qp, table(ctx, tmp, r.tab()), ints(ctx, tmp, r.gidx()), rowPart, r.bits(), r.rows(), r.cols(),
                    r.stride(), r.groups(), r.gsz(), r.bytes());
        }
    }

    /** A table of floats on the device, readable 16 bytes past its end (gptq_stream.cu copies whole 16-byte units). */
    private static CUdeviceptr table(CudaContext ctx, Arena tmp, float[] t) {
        MemorySegment seg = tmp.allocate(4L * t.length + 16, 16);
        MemorySegment.copy(t, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0,
                t.length);
        CUdeviceptr p = ctx.alloc(seg.byteSize());
        ctx.upload(p, 0, seg);
        return p;
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private static CUdeviceptr ints(CudaContext ctx, Arena tmp, int[] v) {
        MemorySegment s = tmp.allocate(4L * v.length, 16);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0, v.length);
        CUdeviceptr p = ctx.alloc(s.byteSize());
        ctx.upload(p, 0, s);
        return p;
    }

    /** The row-major matrix m rewritten into the projection layout; {@code consume}: m's memory is freed. */
    static Matrix projection(CudaContext ctx, Kernels k, Matrix m, boolean consume) {
        int perLoad = 16 / m.dtype().bytes();
        int stride = (m.cols() + perLoad - 1) / perLoad * perLoad;
        CUdeviceptr p = ctx.alloc((long) m.rows() * stride * m.dtype().bytes());
        k.relayout(m.dtype(), m.ptr(), p, m.rows(), m.cols(), stride);
        ctx.synchronize();
        if (consume) ctx.free(m.ptr());
        return new Matrix(p, m.dtype(), m.rows(), m.cols(), stride);
    }

    /** Row-wise stack of matrices with equal column counts; mixed dtypes are widened to f32 (exact). */
    private static Matrix matrix(CudaContext ctx, Arena arena, List<Tensor> parts) {
        List<WeightMatrix> ms = parts.stream().map(t -> WeightMatrix.of(t, arena)).toList();
        int cols = ms.getFirst().cols();
        int rows = 0;
        for (WeightMatrix m : ms) {
            if (m.cols() != cols) throw new IllegalArgumentException(m.name() + ": " + m.cols() + " columns, expected " + cols);
            rows += m.rows();
        }
        DType dtype = ms.stream().allMatch(m -> m.dtype() == ms.getFirst().dtype()) ? ms.getFirst().dtype() : DType.F32;
        CUdeviceptr p = ctx.alloc((long) rows * cols * dtype.bytes());
        long off = 0;
        for (WeightMatrix m : ms) {
            MemorySegment data = m.dtype() == dtype ? m.data() : widened(m, arena);
            ctx.upload(p, off, data);
            off += data.byteSize();
        }
        return new Matrix(p, dtype, rows, cols, cols);
    }

    /** a alone (b null), else a and b interleaved row by row: an expert's down, or its gate|up. */
    private static Matrix matrixOf(CudaContext ctx, Arena arena, Tensor a, Tensor b) {
        return b == null ? matrix(ctx, arena, List.of(a)) : interleaved(ctx, arena, a, b);
    }

    /** Rows a0, b0, a1, b1, ... of two matrices of equal shape (gate and up). */
    private static Matrix interleaved(CudaContext ctx, Arena arena, Tensor a, Tensor b) {
        WeightMatrix ma = WeightMatrix.of(a, arena);
        WeightMatrix mb = WeightMatrix.of(b, arena);
        if (ma.rows() != mb.rows() || ma.cols() != mb.cols()) {
            throw new IllegalArgumentException(a.name() + " and " + b.name() + " differ in shape");
        }
        DType dtype = ma.dtype() == mb.dtype() ? ma.dtype() : DType.F32;
        MemorySegment sa = ma.dtype() == dtype ? ma.data() : widened(ma, arena);
        MemorySegment sb = mb.dtype() == dtype ? mb.data() : widened(mb, arena);
        long rowBytes = (long) ma.cols() * dtype.bytes();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment out = tmp.allocate(2 * rowBytes * ma.rows(), 64);
            for (long r = 0; r < ma.rows(); r++) {
                MemorySegment.copy(sa, r * rowBytes, out, 2 * r * rowBytes, rowBytes);
                MemorySegment.copy(sb, r * rowBytes, out, (2 * r + 1) * rowBytes, rowBytes);
            }
            CUdeviceptr p = ctx.alloc(out.byteSize());
            ctx.upload(p, 0, out);
            return new Matrix(p, dtype, 2 * ma.rows(), ma.cols(), ma.cols());
        }
    }

    private static MemorySegment widened(WeightMatrix m, Arena arena) {
        MemorySegment s = arena.allocate((long) m.rows() * m.cols() * 4, 64);
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.row(r, row, 0);
            MemorySegment.copy(row, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), (long) r * m.cols() * 4, m.cols());
        }
        return s;
    }

    private static float[] vector(Tensor t, Arena arena) {
        return WeightMatrix.of(t, arena).toFloats();
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
