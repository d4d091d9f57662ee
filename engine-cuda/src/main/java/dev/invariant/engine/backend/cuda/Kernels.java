package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.DType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * Typed launches of the kernels in kernels/, one method per operation, on the context's stream. Grid shapes follow
 * the work (rows, tokens, heads), never the reduction: each kernel's order is fixed by its canonical definition.
 */
final class Kernels {
    /** Attention's fixed key split (docs/numerics.md §8); the kernel's SPLIT. */
    static final int SPLIT = 64;
    private static final int ATTENTION_WARPS = 4;
    private static final int MATVEC_WARPS = 8;  // warps per block: a row per warp for one token, 4 for token groups
    private static final int[] MATVEC_TOKENS = {1, 4};  // tokens per block (kernels/matvec.cu's variants)
    private static final int MATVEC_STATIC_SMEM = 1024;  // the kernel's own shared arrays, below this
    /**
     * Steps of at least this many tokens may take kernels/matvec_tile.cu (blocks of 64 rows x 16 tokens, weights
     * staged once per block for all its tokens); fewer take matvec.cu's token groups. Who computes changes, never the
     * bits. Measured on an H200 (docs/benchmarks.md): where its blocks fill half the multiprocessors, 64 x 16 beats
     * the token groups (per layer 1.2-1.7x at 64 tokens, 1.8-2.2x at 700 and 2,767, 1.35x for Qwen1.5-14B at 16);
     * with fewer (a small model's projections at 16 tokens) it is slower, so those keep the token groups.
     */
    static final int TILE_MIN_TOKENS = 16;
    /** GPTQ steps of up to this many tokens run gptq_stream.cu once per token; from the next, tiles (or token groups). */
    static final int GPTQ_STREAM_MAX_TOKENS = 3;
    /** GPTQ tiles from this many tokens (a tile's pass costs the same at any n up to its 16 tokens). */
    static final int GPTQ_TILE_MIN_TOKENS = GPTQ_STREAM_MAX_TOKENS + 1;
    /** auto (default: {@link #tileShape}), off (matvec.cu's token groups for every step, to compare), or 64x16. */
    static final String TILE = "invariant.cuda.tile";
    /** matvec_tile.cu's shapes: {rows, tokens, threads} per block. */
    private static final int[][] TILE_SHAPES = {{64, 16, 256}};

    private final CudaContext ctx;
    private final CUfunction embedBf16;
    private final CUfunction embedF32;
    private final CUfunction ropeKv;
    private final CUfunction attention;
    private final CUfunction attentionSplits;
    private final CUfunction attentionMerge;
    /** [dtype bf16/f32][fused: none, norm, norm + silu][tokens per block: 1, 4]. */
    private final CUfunction[][][] matvec = new CUfunction[2][3][MATVEC_TOKENS.length];
    /** [bits 8/4][act-order][fused: none, norm, norm + silu][tokens per block: 1, 4] (kernels/gptq_matvec.cu). */
    private final CUfunction[][][][] gptq = new CUfunction[2][2][3][MATVEC_TOKENS.length];
    /**
     * [ring base, w16, wide][dtype bf16/f32][fused]: one token, the weights streamed through shared memory by a
     * persistent grid (kernels/matvec_stream.cu; StreamRing picks the ring by the model's shape; wide: bf16 only).
     */
    private final CUfunction[][][] stream = new CUfunction[3][2][3];
    /**
     * auto (default): bf16 models of hidden size <= 2048 take matvec_stream.cu's _w16 ring, larger bf16 models its
     * _wide ring, f32 models its base ring; base, w16, wide: that ring for every model (wide: bf16); pair, pair-early:
     * its bf16 variants whose ring lets two blocks share a
     * multiprocessor with their input row (_p2x8, else _p2x4; _e: the next kernel released before the wait), so the
     * next kernel streams while this one drains. The same values in every case (StreamRing).
     */
    static final String STREAM_VARIANT = StreamRing.PROPERTY;
    /** The rings of {@link #stream}, in its order. */
    private static final java.util.List<StreamRing.Shape> STREAM_RINGS =
            java.util.List.of(StreamRing.BASE, StreamRing.W16, StreamRing.WIDE);
    private final String streamVariant = StreamRing.variant();
    /** The model's hidden size: StreamRing's choice of ring. */
    private final int hidden;
    /** [ring 2x8, 2x4][fused] of the pair variants (null: not asked for). */
    private final CUfunction[][] streamPair;
    /** (k, fused) -> the pair ring taken (0, 1) or -1 (base): two blocks fit per multiprocessor, asked once. */
    private final java.util.Map<Long, Integer> streamPairChoice = new java.util.HashMap<>();
    /** [dtype bf16/f32][fused][shape]: many tokens, blocks of TILE_SHAPES (null: the shape's stages do not fit). */
    private final CUfunction[][][] tile = new CUfunction[2][3][TILE_SHAPES.length];
    private final String tileChoice;
    /** [bits 8/4][groups: any, 128, act-order][fused]: the same for GPTQ rows (kernels/gptq_stream.cu). */
    private final CUfunction[][][] gptqStream = new CUfunction[2][3][3];
    /** [groups: any, 128][fused]: int8 grouped rows too wide for the family's ring (GptqStream.INT8_WIDE). */
    private final CUfunction[][] gptqStreamWide = new CUfunction[2][3];
    /** false: GPTQ projections of one token take gptq_matvec.cu too, neither gptq_stream.cu nor gptq_direct.cu (to compare; same values). */
    static final String GPTQ_STREAM = "invariant.cuda.gptq-stream";
    private final boolean gptqStreamOn = Boolean.parseBoolean(System.getProperty(GPTQ_STREAM, "true"));
    /** false: int8 grouped rows stream with GptqStream.INT8_WIDE's shape wherever it fits (to compare; same values). */
    static final String GPTQ_STREAM_FAMILY_SHAPE = "invariant.cuda.gptq-stream-family-shape";
    private final boolean gptqStreamFamilyShape = Boolean.parseBoolean(System.getProperty(GPTQ_STREAM_FAMILY_SHAPE, "true"));
    /**
     * auto (the default): one token's group-128 rows read into registers by gptq_decode.cu where it takes them and
     * they fit (k a multiple of 32 with a whole word per lane), int8 ones it does not take by gptq_direct.cu, the rest
     * through gptq_stream.cu's bulk-copy ring; decode: gptq_decode.cu, else gptq_stream.cu; direct: int8 group-128
     * rows by gptq_direct.cu, else gptq_stream.cu; stream: all through gptq_stream.cu (GptqDecode.loads,
     * GptqDirect.loads; the same values on every path).
     */
    static final String GPTQ_VARIANT = "invariant.cuda.gptq-variant";
    private final String gptqVariant = System.getProperty(GPTQ_VARIANT, GptqDirect.DEFAULT_VARIANT);
    /** [bits 8/4][fused]: gptq_direct.cu's kernels, loaded only where GptqDirect.loads says so (else null). */
    private final CUfunction[][] gptqDirect = new CUfunction[2][3];
    /** [bits 8/4][fused]: gptq_decode.cu's kernels, loaded only where GptqDecode.loads says so (else null). */
    private final CUfunction[][] gptqDecode = new CUfunction[2][3];
    /** [bits 8/4][groups: any, 128, act-order][fused]: many tokens on tiles (kernels/gptq_tile.cu). */
    private final CUfunction[][][] gptqTile = new CUfunction[2][3][3];
    /**
     * false: GPTQ steps of many tokens take gptq_matvec.cu's token groups (to compare; the values are the same). On,
     * from {@link #GPTQ_TILE_MIN_TOKENS} tokens wherever the tiles' blocks fill half the multiprocessors, as for dense rows.
     */
    static final String GPTQ_TILE = "invariant.cuda.gptq-tile";
    private final boolean gptqTileOn = Boolean.parseBoolean(System.getProperty(GPTQ_TILE, "true"));
    private final CUfunction relayoutBf16;
    private final CUfunction relayoutF32;
    private final CUfunction greedyScan;
    private final CUfunction greedyTokens;
    /** Dynamic shared memory a projection block may take (its input rows). */
    final int matvecSmem;
    private final int attentionSmem;
    /** Splits of 64 positions in the longest context: the records per (token, head) in decode scratch. */
    final int attentionMaxSplits;
    private final int attentionSlots;
    /** Caps attention's one-pass capacity (splits); tests set it low to run the two-pass path on short contexts. */
    static final String ATTENTION_SLOTS = "invariant.cuda.attention-slots";
    /** Steps of at most this many tokens take attention_decode.cu (splits spread over warps and blocks). */
    static final int DECODE_ATTENTION_TOKENS = 16;
    /** false: every step takes attention.cu (tests use it to run that kernel's paths on decode steps too). */
    static final String DECODE_ATTENTION = "invariant.cuda.decode-attention";
    private static final int DECODE_GROUPS = 16;  // at most 16 blocks per (token, head): 64 warps over its splits
    private final int decodeWarps;
    private final int decodeSmem;
    /** false: attention_merge runs as a kernel of its own after attention_splits (for comparison; the same bits). */
    static final String MERGE_IN_SPLITS = "invariant.cuda.merge-in-splits";
    private final boolean mergeInSplits = Boolean.parseBoolean(System.getProperty(MERGE_IN_SPLITS, "true"));
    private final java.util.Map<CUfunction, String> names = new java.util.IdentityHashMap<>();
    /** Kernels that request their weights before they wait for the kernel before them (kernels/chain.cuh). */
    private final java.util.Set<CUfunction> dependent = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** false: every kernel starts after the one before it has finished (for comparison; the bits are the same). */
    static final String DEPENDENT_LAUNCH = "invariant.cuda.dependent-launch";
    private final boolean dependentLaunch = Boolean.parseBoolean(System.getProperty(DEPENDENT_LAUNCH, "true"));
    private final DriverLaunch driver;
    /** Set while profiling (eager steps only: events cannot sit in a replayed graph's timing). */
    KernelProfile profile;

    /**
     * @param hidden       the model's hidden size: picks one token's streamed ring (StreamRing)
     * @param maxPositions the longest context attention must serve: it sizes the kernel's shared memory
     * @param kv           the KV cache's stored dtype: picks rope_kv's and attention's variant (kernels/kv.cuh)
     */
    Kernels(CudaContext ctx, int hidden, int headDim, int maxPositions, KvCacheDtype kv) {
        this.ctx = ctx;
        this.hidden = hidden;
        this.driver = new DriverLaunch(ctx.stream);
        embedBf16 = fn("embed", "embed_bf16");
        embedF32 = fn("embed", "embed_f32");
        ropeKv = fn("rope_kv", "rope_kv" + kvSuffix(kv));
        attention = fn("attention", "attention" + kvSuffix(kv));
        attentionSplits = fn("attention_decode", "attention_splits" + kvSuffix(kv));
        attentionMerge = fn("attention_decode", "attention_merge");
        dependent.addAll(java.util.List.of(embedBf16, embedF32, ropeKv, attention, attentionSplits, attentionMerge));
        String[] dtypes = {"bf16", "f32"};
        String[] fused = {"", "_norm", "_norm_silu"};
        matvecSmem = ctx.maxSharedPerBlock - MATVEC_STATIC_SMEM;
        for (int d = 0; d < 2; d++) {
            for (int f = 0; f < 3; f++) {
                for (int t = 0; t < MATVEC_TOKENS.length; t++) {
                    CUfunction mv = fn("matvec", "matvec_" + dtypes[d] + fused[f] + "_t" + MATVEC_TOKENS[t]);
                    cuFuncSetAttribute(mv, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    matvec[d][f][t] = mv;
                    dependent.add(mv);
                }
                for (StreamRing.Shape ring : STREAM_RINGS) {
                    if (ring == StreamRing.WIDE && d != 0) continue;  // bf16 only
                    CUfunction st = dependentFn("matvec_stream", "matvec_stream_" + dtypes[d] + fused[f] + ring.suffix());
                    cuFuncSetAttribute(st, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    if (ring != StreamRing.BASE) {  // as measured: all of the shared memory, no re-split between layers
                        cuFuncSetAttribute(st, CUfunction_attribute.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 100);
                    }
                    stream[STREAM_RINGS.indexOf(ring)][d][f] = st;
                }
                for (int t = 0; t < TILE_SHAPES.length; t++) {
                    int bytes = tileSmem(TILE_SHAPES[t], d);
                    if (bytes > matvecSmem) continue;
                    CUfunction tf = fn("matvec_tile", "matvec_tile_" + dtypes[d] + fused[f] + "_" + tileName(t));
                    cuFuncSetAttribute(tf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
                    tile[d][f][t] = tf;  // not dependent: it reads its inputs from its first instruction
                }
            }
        }
        streamPair = streamVariant.startsWith("pair") ? new CUfunction[StreamRing.PAIRS.size()][3] : null;
        for (int r = 0; streamPair != null && r < streamPair.length; r++) {
            for (int f = 0; f < 3; f++) {
                String suffix = StreamRing.PAIRS.get(r).suffix() + (streamVariant.equals("pair-early") ? "e" : "");
                CUfunction pf = dependentFn("matvec_stream", "matvec_stream_bf16" + fused[f] + suffix);
                cuFuncSetAttribute(pf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                // all of the multiprocessor's shared memory, so that two blocks fit and no kernel waits for a re-split
                cuFuncSetAttribute(pf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 100);
                streamPair[r][f] = pf;
            }
        }
        tileChoice = System.getProperty(TILE, "auto");
        if (!tileChoice.equals("auto") && !tileChoice.equals("off")
                && java.util.stream.IntStream.range(0, TILE_SHAPES.length).noneMatch(t -> tileName(t).equals(tileChoice))) {
            throw new IllegalArgumentException(TILE + "=" + tileChoice + ": use auto, off or 64x16");
        }
        for (int b = 0; b < 2; b++) {
            for (int a = 0; a < 2; a++) {
                for (int f = 0; f < 3; f++) {
                    for (int t = 0; t < MATVEC_TOKENS.length; t++) {
                        CUfunction g = fn("gptq_matvec", "gptq_int" + (b == 0 ? 8 : 4) + (a == 1 ? "_act" : "") + fused[f]
                                + "_t" + MATVEC_TOKENS[t]);
                        cuFuncSetAttribute(g, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                        gptq[b][a][f][t] = g;
                    }
                }
            }
            for (int g = 0; g < 3; g++) {
                for (int f = 0; f < 3; f++) {
                    CUfunction tf = fn("gptq_tile", GptqTile.name(b == 0 ? 8 : 4, g, fused[f]));
                    cuFuncSetAttribute(tf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    gptqTile[b][g][f] = tf;  // not dependent: it reads its inputs from its first instruction
                }
                for (int f = 0; f < 3; f++) {
                    gptqStream[b][g][f] = streamFn(GptqStream.name(b == 0 ? 8 : 4, g, fused[f]));
                    if (b == 0 && g < 2) gptqStreamWide[g][f] = streamFn(GptqStream.name(8, g, GptqStream.INT8_WIDE, fused[f]));
                }
            }
            if (GptqDirect.loads(gptqVariant, b == 0 ? 8 : 4)) {
                for (int f = 0; f < 3; f++) {
                    CUfunction df = dependentFn("gptq_direct", GptqDirect.name(b == 0 ? 8 : 4, fused[f]));
                    cuFuncSetAttribute(df, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    gptqDirect[b][f] = df;
                }
            }
            if (GptqDecode.loads(gptqVariant, b == 0 ? 8 : 4)) {
                for (int f = 0; f < 3; f++) {
                    CUfunction df = dependentFn("gptq_decode", GptqDecode.name(b == 0 ? 8 : 4, fused[f]));
                    cuFuncSetAttribute(df, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    gptqDecode[b][f] = df;
                }
            }
        }
        relayoutBf16 = fn("layout", "relayout_bf16");
        relayoutF32 = fn("layout", "relayout_f32");
        greedyScan = dependentFn("greedy_scan", "greedy_scan");
        greedyTokens = dependentFn("greedy_scan", "greedy_tokens");
        // Attention keeps every split's m_s and l_s in shared memory and as many splits' o_s as fit ("slots"); a
        // longer context takes its two-pass path (kernels/attention.cu), with the same values.
        attentionMaxSplits = (maxPositions + SPLIT - 1) / SPLIT;
        int base = 4 * (headDim + 2 * ATTENTION_WARPS * SPLIT + 2 * attentionMaxSplits);
        int fit = (ctx.maxSharedPerBlock - base) / (4 * headDim);
        attentionSlots = Math.min(Math.min(attentionMaxSplits, fit), Integer.getInteger(ATTENTION_SLOTS, Integer.MAX_VALUE));
        // the two-pass path (more splits than slots) needs a slot per warp; its output loop covers 4 values per thread
        boolean twoPass = attentionSlots < attentionMaxSplits;
        if ((twoPass && attentionSlots < ATTENTION_WARPS) || headDim > 4 * 32 * ATTENTION_WARPS) {
            throw CudaContext.unavailable("attention over " + maxPositions + " positions of head_dim " + headDim
                    + " does not fit the GPU's " + ctx.maxSharedPerBlock + " bytes of shared memory per block; serve a"
                    + " shorter context (max_model_len)");
        }
        attentionSmem = base + 4 * attentionSlots * headDim;
        cuFuncSetAttribute(attention, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, attentionSmem);
        // attention_decode: per warp a split's key and value rows, its e_j and row offsets; as many warps (≤ 4) as fit
        int keyStride = (headDim & 3) == 0 ? headDim + 4 : headDim + 1;  // the kernel's key_stride
        int perWarp = 4 * (SPLIT * headDim + SPLIT * keyStride + 2 * SPLIT);
        int warps = Math.min(ATTENTION_WARPS, (ctx.maxSharedPerBlock - 4 * headDim) / perWarp);
        decodeWarps = Boolean.parseBoolean(System.getProperty(DECODE_ATTENTION, "true")) ? warps : 0;
        decodeSmem = 4 * headDim + Math.max(decodeWarps, 0) * perWarp;
        if (decodeWarps > 0) {
            cuFuncSetAttribute(attentionSplits, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    decodeSmem);
        }
    }

    /** The kernel-name suffix of a stored KV dtype: fp32 has none (rope_kv, attention_bf16, attention_fp8e5m2, …). */
    static String kvSuffix(KvCacheDtype kv) {
        return switch (kv.storage()) {
            case FP32, AUTO -> "";
            case BF16 -> "_bf16";
            case FP8_E4M3 -> "_fp8e4m3";
            case FP8_E5M2 -> "_fp8e5m2";
        };
    }

    CUfunction fn(String op, String kernel) {
        CUfunction f = ctx.function(op, kernel);
        names.put(f, kernel);
        return f;
    }

    /** A gptq_stream.cu kernel: dependent, its ring in up to the projections' shared memory. */
    private CUfunction streamFn(String kernel) {
        CUfunction f = dependentFn("gptq_stream", kernel);
        cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
        return f;
    }

    /** {@link #fn} of a kernel that requests what no kernel writes before it waits (kernels/chain.cuh). */
    CUfunction dependentFn(String op, String kernel) {
        CUfunction f = fn(op, kernel);
        dependent.add(f);
        return f;
    }

    void embed(DeviceWeights.Matrix table, CUdeviceptr tokens, CUdeviceptr x, int n) {
        CUfunction f = table.dtype() == DType.BF16 ? embedBf16 : embedF32;
        launch(f, n, 1, 128, 0, table.ptr(), tokens, x, table.cols());
    }

    /** What a projection fuses around its dots (kernels/matvec.cu). */
    enum Fused { NONE, NORM, NORM_SILU }

    /**
     * y[t * ldy + o] = dot(W[o], x'[t]) (+ bias[o]) (+ resid[t * ldy + o]; resid may be y itself), where x'[t] is
     * input row xrows[t] (xrows = null: row t) of x, RMSNorm'ed with {@code norm} first when fused; NORM_SILU takes
     * rows in (gate, up) pairs and writes silu(gate) * up to y[t * ldy + o / 2]. W is in the projection layout.
     */
    void matmul(DeviceWeights.Matrix w, Fused fused, CUdeviceptr norm, float eps, CUdeviceptr x, CUdeviceptr xrows,
                int ldx, int n, CUdeviceptr y, int ldy, CUdeviceptr bias, CUdeviceptr resid) {
        int k = w.cols();
        int d = w.dtype() == DType.BF16 ? 0 : 1;
        // One token (the decode step at batch 1, a single logits row): a block per multiprocessor streams its rows'
        // weights through shared memory. Same canonical order per row as matvec, so the same bits.
        int pair = n == 1 && d == 0 ? streamPair(k, fused) : -1;
        if (pair >= 0) {  // the input row only: the norm's weights are read from global memory
            StreamRing.Shape ring = StreamRing.PAIRS.get(pair);
            launch(streamPair[pair][fused.ordinal()], ctx.multiprocessors, 1, ring.threads(), StreamRing.pairSmem(ring, k),
                    w.ptr(), x, xrows, norm, eps, y, bias, resid, w.rows(), k, w.stride(), ldx);
            return;
        }
        boolean normed = fused != Fused.NONE;
        StreamRing.Shape ring = n == 1 ? StreamRing.ring(streamVariant, hidden, d == 0, k, normed, matvecSmem) : null;
        if (ring != null) {  // a block of ring.warps() warps per multiprocessor
            launch(stream[STREAM_RINGS.indexOf(ring)][d][fused.ordinal()], ctx.multiprocessors, 1, ring.threads(),
                    StreamRing.smem(ring, k, normed), w.ptr(), x, xrows, norm, eps, y, bias, resid, w.rows(), k,
                    w.stride(), ldx);
            return;
        }
        int shape = n >= TILE_MIN_TOKENS ? tileShape(w.rows(), n) : -1;
        if (shape >= 0 && tile[d][fused.ordinal()][shape] != null) {
            int[] s = TILE_SHAPES[shape];
            long blocks = (long) ((w.rows() + s[0] - 1) / s[0]) * ((n + s[1] - 1) / s[1]);
            launch(tile[d][fused.ordinal()][shape], Math.toIntExact(blocks), 1, s[2], tileSmem(s, d), w.ptr(), x,
                    xrows, norm, eps, y, bias, resid, w.rows(), k, w.stride(), ldx, ldy, n);
            return;
        }
        int t = tokenGroup(k, n);
        int tg = MATVEC_TOKENS[t];
        int rowsPerBlock = MATVEC_WARPS * (tg == 1 ? 1 : 4);
        CUfunction f = matvec[d][fused.ordinal()][t];
        launch(f, (w.rows() + rowsPerBlock - 1) / rowsPerBlock, (n + tg - 1) / tg, 32 * MATVEC_WARPS, smem(k, tg),
                w.ptr(), x, xrows, norm, eps, y, bias, resid, w.rows(), k, w.stride(), ldx, ldy, n, null, 0L);
    }

    /**
     * {@link #matmul}'s contract over GPTQ weights kept packed (kernels/gptq_matvec.cu, gptq_stream.cu for one to
     * three tokens, gptq_tile.cu for more): each weight dequantised by the CPU's one operation, the dot in the canonical order.
     */
    void gptqMatmul(DeviceWeights.Gptq w, Fused fused, CUdeviceptr norm, float eps, CUdeviceptr x, CUdeviceptr xrows,
                    int ldx, int n, CUdeviceptr y, int ldy, CUdeviceptr bias, CUdeviceptr resid) {
        int k = w.cols();
        // One token: a block per multiprocessor streams the packed rows through shared memory (gptq_stream.cu), or
        // (group 128 by default) reads them straight into registers (gptq_decode.cu, gptq_direct.cu), each row's dot in the same
        // canonical order with the same dequantisation, so the same bits. A few tokens: one such launch per token (its
        // own input and output rows): at 14B int8 a launch costs 147 µs per layer (161 streamed), a pass of 64 x 16
        // tiles 765 µs at any n up to 16, gptq_matvec.cu's token groups 1,970 µs at 16.
        boolean normed = fused != Fused.NONE;
        OneToken one = n <= GPTQ_STREAM_MAX_TOKENS && gptqStreamOn ? gptqOneToken(w, fused, normed) : null;
        if (one != null) {
            for (int t = 0; t < n; t++) {
                launch(one.f(), one.blocks(), 1, one.threads(), one.smem(), w.q(), w.tab(), w.gidx(), w.rowPart(),
                        w.gsz(), xrows == null ? offset(x, (long) t * ldx) : x, offset(xrows, t), norm, eps,
                        offset(y, (long) t * ldy), bias, offset(resid, (long) t * ldy), w.rows(), k, w.stride(),
                        w.groups(), ldx);
            }
            return;
        }
        // Many tokens: blocks of 64 rows x 16 tokens, each weight dequantised once per block (gptq_tile.cu).
        int kind = GptqStream.groupKind(w.gsz());
        long tileSmem = GptqTile.smem(w.bits(), kind, w.groups());
        long tiles = GptqTile.blocks(w.rows(), n);
        if (n >= GPTQ_TILE_MIN_TOKENS && gptqTileOn && 2 * tiles >= ctx.multiprocessors && tileSmem <= matvecSmem) {
            launch(gptqTile[w.bits() == 8 ? 0 : 1][kind][fused.ordinal()], Math.toIntExact(tiles), 1, GptqTile.THREADS,
                    (int) tileSmem, w.q(), w.tab(), w.gidx(), w.rowPart(), w.gsz(), x, xrows, norm, eps, y, bias, resid,
                    w.rows(), k, w.stride(), w.groups(), ldx, ldy, n);
            return;
        }
        int t = tokenGroup(k, n);
        int tg = MATVEC_TOKENS[t];
        int rowsPerBlock = MATVEC_WARPS * (w.bits() == 8 ? 2 : 4);  // the kernel's R rows per warp
        CUfunction f = gptq[w.bits() == 8 ? 0 : 1][w.gsz() == 0 ? 1 : 0][fused.ordinal()][t];
        launch(f, (w.rows() + rowsPerBlock - 1) / rowsPerBlock, (n + tg - 1) / tg, 32 * MATVEC_WARPS, smem(k, tg),
                w.q(), w.tab(), w.gidx(), w.rowPart(), w.gsz(), x, xrows, norm, eps, y, bias, resid, w.rows(), k,
                w.stride(), w.groups(), ldx, ldy, n);
    }

    /**
     * Which of {@link #MATVEC_TOKENS} a projection of n tokens with k inputs takes: how many tokens share each weight
     * load, as many as their input rows fit in shared memory. A token's value never depends on it (each keeps its
     * own partials), so it may follow the batch.
     */
    int tokenGroup(int k, int n) {
        if (smem(k, 1) > matvecSmem) {
            throw new IllegalStateException("a projection with " + k + " inputs needs " + smem(k, 1)
                    + " bytes of shared memory per block, the GPU has " + matvecSmem);
        }
        return n == 1 || smem(k, 4) > matvecSmem ? 0 : 1;
    }

    /**
     * Which of {@link #TILE_SHAPES} a projection of n tokens over {@code rows} weight rows takes (-1: the token
     * groups): 64 x 16 where its blocks fill at least half the multiprocessors (measured: fewer blocks, as a small
     * model's projections at batch 16, leave the tiles slower than the token groups; bench/device/kernels/tiles).
     */
    private int tileShape(int rows, int n) {
        return switch (tileChoice) {
            case "off" -> -1;
            case "auto" -> 2L * ((rows + 63) / 64) * ((n + 15) / 16) >= ctx.multiprocessors ? 0 : -1;
            default -> 0;
        };
    }

    private static String tileName(int shape) {
        return TILE_SHAPES[shape][0] + "x" + TILE_SHAPES[shape][1];
    }

    /** matvec_tile.cu's tile::tile_smem: 3 stages of the block's weight rows and input rows of one layout group. */
    private static int tileSmem(int[] shape, int dtype) {
        return 3 * (shape[0] * 512 + shape[1] * (dtype == 0 ? 1024 : 512));
    }

    /** A one-token GPTQ kernel and its launch shape (gptq_direct.cu and gptq_stream.cu take the same arguments). */
    private record OneToken(CUfunction f, int blocks, int threads, int smem) {}

    /**
     * gptq_decode.cu, else gptq_direct.cu, where loaded, taking and fitting, else gptq_stream.cu's ring that fits,
     * else null.
     */
    private OneToken gptqOneToken(DeviceWeights.Gptq w, Fused fused, boolean normed) {
        int k = w.cols();
        CUfunction decode = gptqDecode[w.bits() == 8 ? 0 : 1][fused.ordinal()];
        int decodeSmem = GptqDecode.smem(w.bits(), k, w.groups(), normed, fused == Fused.NORM_SILU);
        if (decode != null && GptqDecode.takes(w.bits(), w.gsz(), k) && decodeSmem <= matvecSmem) {
            return new OneToken(decode, ctx.multiprocessors, 32 * GptqDecode.WARPS, decodeSmem);
        }
        CUfunction direct = gptqDirect[w.bits() == 8 ? 0 : 1][fused.ordinal()];
        int directSmem = GptqDirect.smem(w.bits(), k, normed);
        if (direct != null && GptqDirect.takes(w.gsz()) && directSmem <= matvecSmem) {
            return new OneToken(direct, ctx.multiprocessors * GptqDirect.BLOCKS_PER_SM, 32 * GptqDirect.WARPS, directSmem);
        }
        GptqStream.Shape shape = GptqStream.fitting(w.bits(), k, w.stride(), w.groups(), w.gsz(), normed, matvecSmem,
                gptqStreamFamilyShape);
        if (shape == null) return null;
        CUfunction f = shape == GptqStream.INT8_WIDE ? gptqStreamWide[GptqStream.groupKind(w.gsz())][fused.ordinal()]
                : gptqStream[w.bits() == 8 ? 0 : 1][GptqStream.groupKind(w.gsz())][fused.ordinal()];
        return new OneToken(f, ctx.multiprocessors, 32 * shape.warps(),
                GptqStream.smem(shape, w.bits(), k, w.stride(), w.groups(), w.gsz(), normed));
    }

    /** The pair ring for one token's bf16 rows of k inputs: the first that fits twice per multiprocessor, or -1. */
    private int streamPair(int k, Fused fused) {
        if (streamPair == null) return -1;
        return streamPairChoice.computeIfAbsent((long) k * 3 + fused.ordinal(), key -> {
            for (int r = 0; r < streamPair.length; r++) {
                StreamRing.Shape ring = StreamRing.PAIRS.get(r);
                int[] blocks = new int[1];
                jcuda.driver.JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor(blocks,
                        streamPair[r][fused.ordinal()], ring.threads(), StreamRing.pairSmem(ring, k));
                if (blocks[0] >= 2) return r;
            }
            return -1;
        });
    }

    static int smem(int k, int tokens) {
        return 4 * tokens * ((k + 3) & ~3);
    }

    /** Rewrites a row-major [rows, k] matrix into the projection layout (kernels/layout.cuh), rows {@code stride} apart. */
    void relayout(DType dtype, CUdeviceptr in, CUdeviceptr out, int rows, int k, int stride) {
        launch(dtype == DType.BF16 ? relayoutBf16 : relayoutF32, 1024, 1, 256, 0, in, out, rows, k, stride);
    }

    /**
     * Each of m logits rows' greedy choice (kernels/greedy_scan.cu): out[3r .. 3r + 2] = the lowest id of the maximum,
     * the lowest NaN or +inf id or -1, its float bits. A block per row, whatever m is.
     */
    void greedyScan(CUdeviceptr logits, int vocab, int m, CUdeviceptr out) {
        launch(greedyScan, m, 1, 1024, 0, logits, vocab, out);  // the kernel's THREADS
    }

    /** The n greedy choices' tokens (greedyScan's out) into a step's token inputs. */
    void greedyTokens(CUdeviceptr greedy, CUdeviceptr tokens, int n) {
        launch(greedyTokens, 1, 1, 256, 0, greedy, tokens, n);
    }

    void ropeKv(CUdeviceptr qkv, StepInputs in, CUdeviceptr cos, CUdeviceptr sin, CUdeviceptr qNorm, CUdeviceptr kNorm,
                float eps, int heads, int kvHeads, int headDim, int blockSize, CUdeviceptr keys, CUdeviceptr values,
                int n) {
        launch(ropeKv, n, heads + 2 * kvHeads, 32, 0, qkv, in.positions(), in.tokenSeq(), in.seqTableStart(), in.tables(), cos, sin,
                qNorm, kNorm, eps, heads, kvHeads, headDim, blockSize, keys, values);
    }

    /**
     * Bytes of attention_decode's scratch: every split's m_s, l_s and o_s of a decode step, then a counter per
     * (token, head) for the merge in attention_splits (zero when allocated; the merging block resets its own).
     */
    long decodeScratchBytes(int heads, int headDim) {
        return 4L * DECODE_ATTENTION_TOKENS * heads * (attentionMaxSplits * (headDim + 2L) + 1);
    }

    /** The merge counters at the end of the scratch of {@link #decodeScratchBytes}. */
    CUdeviceptr mergeCounters(CUdeviceptr scratch, int heads, int headDim) {
        return scratch.withByteOffset(4L * DECODE_ATTENTION_TOKENS * heads * attentionMaxSplits * (headDim + 2L));
    }

    void attention(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values,
                   int heads, int kvHeads, int headDim, int blockSize, float scale, int n, CUdeviceptr scratch) {
        if (decodeAttention(n)) {
            decodeSplits(qkv, in, keys, values, heads, kvHeads, headDim, blockSize, scale, n, scratch,
                    mergeInSplits ? out : null);
            if (!mergeInSplits) {
                launch(attentionMerge, n * heads, 1, mergeThreads(headDim), 0, scratch, out, in.positions(), heads,
                        headDim, attentionMaxSplits);
            }
            return;
        }
        launch(attention, n * heads, 1, 32 * ATTENTION_WARPS, attentionSmem, qkv, out, in.positions(), in.tokenSeq(),
                in.seqTableStart(), in.tables(), keys, values, heads, kvHeads, headDim, blockSize, scale,
                attentionMaxSplits, attentionSlots);
    }

    /** Whether a step of n tokens takes attention_decode.cu: its splits into scratch, then a merge. */
    boolean decodeAttention(int n) {
        return n <= DECODE_ATTENTION_TOKENS && decodeWarps > 0;
    }

    /**
     * attention_decode.cu: every split's m_s, l_s and o_s of the step's tokens into scratch, merged into out by the
     * last block of each (token, head) unless out is null (records only).
     */
    void decodeSplits(CUdeviceptr qkv, StepInputs in, CUdeviceptr keys, CUdeviceptr values, int heads, int kvHeads,
                      int headDim, int blockSize, float scale, int n, CUdeviceptr scratch, CUdeviceptr out) {
        // Which warp computes a split never changes a value: the grid may follow the step's size.
        int groups = Math.min(DECODE_GROUPS, (attentionMaxSplits + decodeWarps - 1) / decodeWarps);
        launch(attentionSplits, n * heads, groups, 32 * decodeWarps, decodeSmem, qkv, scratch, in.positions(),
                in.tokenSeq(), in.seqTableStart(), in.tables(), keys, values, heads, kvHeads, headDim, blockSize,
                scale, attentionMaxSplits, out, out == null ? null : mergeCounters(scratch, heads, headDim));
    }

    /** Threads of a merge block: one per output value of a head, at most 128. */
    static int mergeThreads(int headDim) {
        return Math.min(128, (headDim + 31) / 32 * 32);
    }

    /** p advanced by {@code floats} 4-byte values; null stays null. */
    private static CUdeviceptr offset(CUdeviceptr p, long floats) {
        return p == null || floats == 0 ? p : p.withByteOffset(4 * floats);
    }

    private void launch(CUfunction f, int gx, int gy, int threads, int smem, Object... args) {
        launchGrid(f, gx, gy, 1, threads, smem, args);
    }

    /** Launches f on a gx × gy × gz grid, timed when profiling; arguments: device pointers (null: a null one), int, float, long. */
    void launchGrid(CUfunction f, int gx, int gy, int gz, int threads, int smem, Object... args) {
        if (profile != null) profile.before();
        driver.launch(f, gx, gy, gz, threads, smem, dependentLaunch && dependent.contains(f), args);
        if (profile != null) profile.after(names.get(f));
    }
}
