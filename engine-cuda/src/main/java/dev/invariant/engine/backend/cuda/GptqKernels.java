package dev.invariant.engine.backend.cuda;

import static dev.invariant.engine.backend.cuda.Kernels.MATVEC_TOKENS;
import static dev.invariant.engine.backend.cuda.Kernels.MATVEC_WARPS;
import static dev.invariant.engine.backend.cuda.Kernels.smem;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.backend.cuda.Kernels.Fused;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * Projections of GPTQ weights kept packed: which kernel a step takes (gptq_decode.cu, gptq_direct.cu or
 * gptq_stream.cu for one token, gptq_tile.cu or gptq_matvec.cu's token groups for more) and its launch.
 */
final class GptqKernels {
    /** GPTQ steps of up to this many tokens run gptq_stream.cu once per token; from the next, tiles (or token groups). */
    static final int GPTQ_STREAM_MAX_TOKENS = 3;
    /** GPTQ tiles from this many tokens (a tile's pass costs the same at any n up to its 16 tokens). */
    static final int GPTQ_TILE_MIN_TOKENS = GPTQ_STREAM_MAX_TOKENS + 1;

    private final Kernels kernels;
    private final CudaContext ctx;
    /** [bits 8/4][act-order][fused: none, norm, norm + silu][tokens per block: 1, 4] (kernels/gptq_matvec.cu). */
    private final CUfunction[][][][] gptq = new CUfunction[2][2][3][MATVEC_TOKENS.length];
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
    /** Their warps per block (GptqDecode.WARPS_PROPERTY). */
    private final int decodeWarps = GptqDecode.warps(System.getProperty(GptqDecode.WARPS_PROPERTY,
            String.valueOf(GptqDecode.WARPS)));
    /**
     * [bits 8/4][groups: any, 128, act-order][fused: none, norm, norm + silu; {@link #SILU_STAGED}]: many tokens on
     * tiles (kernels/gptq_tile.cu).
     */
    private final CUfunction[][][] gptqTile = new CUfunction[2][3][4];
    /** gptqTile's last kernel: silu(gate) * up over x' normed first (ProjectionKernels.normFirst). */
    private static final int SILU_STAGED = 3;
    private final ProjectionKernels projections;
    /**
     * true (default): int8 group-128 tiles on an input read as given (x' normed first, or unnormed rows of a multiple
     * of 4 floats) stage each stage by the copy engine (kernels/gptq_tile.cu's gptq_tile_int8_g128_bulk*); the same
     * values. false: the threads' cp.async staging, to compare (1.15× slower at 14B batch 16 and 64 on an H200).
     */
    static final String GPTQ_TILE_BULK = "invariant.cuda.gptq-tile-bulk";
    /** [plain, silu]: the bulk ring's kernels (null: not asked for, or no room for the ring). */
    private final CUfunction[] gptqTileBulk = new CUfunction[2];
    /**
     * false: GPTQ steps of many tokens take gptq_matvec.cu's token groups (to compare; the values are the same). On,
     * from {@link #GPTQ_TILE_MIN_TOKENS} tokens wherever the tiles' blocks fill half the multiprocessors, as for dense rows.
     */
    static final String GPTQ_TILE = "invariant.cuda.gptq-tile";
    private final boolean gptqTileOn = Boolean.parseBoolean(System.getProperty(GPTQ_TILE, "true"));

    /** @param projections the dense projections, whose staging takes a fused norm ahead of the tiles */
    GptqKernels(Kernels k, CudaContext ctx, ProjectionKernels projections) {
        this.kernels = k;
        this.ctx = ctx;
        this.projections = projections;
        String[] fused = {"", "_norm", "_norm_silu"};
        String[] tileFused = {"", "_norm", "_norm_silu", "_silu"};  // gptqTile's, SILU_STAGED last
        int matvecSmem = k.matvecSmem;
        for (int b = 0; b < 2; b++) {
            for (int a = 0; a < 2; a++) {
                for (int f = 0; f < 3; f++) {
                    for (int t = 0; t < MATVEC_TOKENS.length; t++) {
                        CUfunction g = k.fn("gptq_matvec", "gptq_int" + (b == 0 ? 8 : 4) + (a == 1 ? "_act" : "")
                                + fused[f] + "_t" + MATVEC_TOKENS[t]);
                        cuFuncSetAttribute(g, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                        gptq[b][a][f][t] = g;
                    }
                }
            }
            for (int g = 0; g < 3; g++) {
                for (int f = 0; f < tileFused.length; f++) {
                    CUfunction tf = k.fn("gptq_tile", GptqTile.name(b == 0 ? 8 : 4, g, tileFused[f]));
                    cuFuncSetAttribute(tf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    gptqTile[b][g][f] = tf;  // not dependent: it reads its inputs from its first instruction
                }
                for (int f = 0; f < 3; f++) {
                    gptqStream[b][g][f] = streamFn(GptqStream.name(b == 0 ? 8 : 4, g, fused[f]));
                    if (b == 0 && g < 2) gptqStreamWide[g][f] = streamFn(GptqStream.name(8, g, GptqStream.INT8_WIDE, fused[f]));
                }
            }
            if (b == 0 && Boolean.parseBoolean(System.getProperty(GPTQ_TILE_BULK, "true")) && GptqTile.bulkSmem() <= matvecSmem) {
                for (int f = 0; f < 2; f++) {
                    CUfunction bf = k.fn("gptq_tile", "gptq_tile_int8_g128_bulk" + (f == 1 ? "_silu" : "") + "_64x16");
                    cuFuncSetAttribute(bf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    gptqTileBulk[f] = bf;
                }
            }
            if (GptqDirect.loads(gptqVariant, b == 0 ? 8 : 4)) {
                for (int f = 0; f < 3; f++) {
                    CUfunction df = k.dependentFn("gptq_direct", GptqDirect.name(b == 0 ? 8 : 4, fused[f]));
                    cuFuncSetAttribute(df, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    gptqDirect[b][f] = df;
                }
            }
            if (GptqDecode.loads(gptqVariant, b == 0 ? 8 : 4)) {
                for (int f = 0; f < 3; f++) {
                    CUfunction df = k.dependentFn("gptq_decode", GptqDecode.name(b == 0 ? 8 : 4, fused[f], decodeWarps));
                    cuFuncSetAttribute(df, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    gptqDecode[b][f] = df;
                }
            }
        }
    }

    /** A gptq_stream.cu kernel: dependent, its ring in up to the projections' shared memory. */
    private CUfunction streamFn(String kernel) {
        CUfunction f = kernels.dependentFn("gptq_stream", kernel);
        cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, kernels.matvecSmem);
        return f;
    }

    /**
     * {@link ProjectionKernels#matmul}'s contract over GPTQ weights kept packed (kernels/gptq_matvec.cu, gptq_stream.cu
     * for one to three tokens, gptq_tile.cu for more): each weight dequantised by the CPU's one operation, the dot in
     * the canonical order.
     */
    void matmul(DeviceWeights.Gptq w, Fused fused, CUdeviceptr norm, float eps, CUdeviceptr x, CUdeviceptr xrows,
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
                kernels.launch(one.f(), one.blocks(), 1, one.threads(), one.smem(), w.q(), w.tab(), w.gidx(),
                        w.rowPart(), w.gsz(), xrows == null ? offset(x, (long) t * ldx) : x, offset(xrows, t), norm,
                        eps, offset(y, (long) t * ldy), bias, offset(resid, (long) t * ldy), w.rows(), k, w.stride(),
                        w.groups(), ldx);
            }
            return;
        }
        // Many tokens: blocks of 64 rows x 16 tokens, each weight dequantised once per block (gptq_tile.cu).
        int kind = GptqStream.groupKind(w.gsz());
        long tileSmem = GptqTile.smem(w.bits(), kind, w.groups());
        long tiles = GptqTile.blocks(w.rows(), n);
        if (n >= GPTQ_TILE_MIN_TOKENS && gptqTileOn && 2 * tiles >= ctx.multiprocessors
                && tileSmem <= kernels.matvecSmem) {
            // A fused norm staged first where the dense tiles' staging takes it: the tiles then read x' as given, with
            // no normalising pass and block barrier per stage (the same values; 1.2-1.3x per Qwen1.5-14B layer).
            CUdeviceptr staged = normed ? projections.normFirst(norm, eps, x, xrows, ldx, n, k) : null;
            CUdeviceptr in = staged == null ? x : staged;
            CUdeviceptr inRows = staged == null ? xrows : null;
            CUdeviceptr nw = staged == null ? norm : null;
            int ld = staged == null ? ldx : projections.stagedCols();
            boolean silu = fused == Fused.NORM_SILU;
            // the bulk ring: no fused norm left, rows under the copy engine's 16-byte rule
            boolean bulk = (staged != null || !normed) && ld % 4 == 0 && w.bits() == 8 && kind == 1
                    && gptqTileBulk[0] != null;
            CUfunction f = bulk ? gptqTileBulk[silu ? 1 : 0]
                    : gptqTile[w.bits() == 8 ? 0 : 1][kind][staged == null ? fused.ordinal() : silu ? SILU_STAGED : 0];
            kernels.launch(f, Math.toIntExact(tiles), 1, GptqTile.THREADS, bulk ? GptqTile.bulkSmem() : (int) tileSmem,
                    w.q(), w.tab(), w.gidx(), w.rowPart(), w.gsz(), in, inRows, nw, eps, y, bias, resid, w.rows(), k,
                    w.stride(), w.groups(), ld, ldy, n);
            return;
        }
        int t = kernels.tokenGroup(k, n);
        int tg = MATVEC_TOKENS[t];
        int rowsPerBlock = MATVEC_WARPS * (w.bits() == 8 ? 2 : 4);  // the kernel's R rows per warp
        CUfunction f = gptq[w.bits() == 8 ? 0 : 1][w.gsz() == 0 ? 1 : 0][fused.ordinal()][t];
        kernels.launch(f, (w.rows() + rowsPerBlock - 1) / rowsPerBlock, (n + tg - 1) / tg, 32 * MATVEC_WARPS,
                smem(k, tg), w.q(), w.tab(), w.gidx(), w.rowPart(), w.gsz(), x, xrows, norm, eps, y, bias, resid,
                w.rows(), k, w.stride(), w.groups(), ldx, ldy, n);
    }

    /** A one-token GPTQ kernel and its launch shape (gptq_direct.cu and gptq_stream.cu take the same arguments). */
    private record OneToken(CUfunction f, int blocks, int threads, int smem) {}

    /**
     * gptq_decode.cu, else gptq_direct.cu, where loaded, taking and fitting, else gptq_stream.cu's ring that fits,
     * else null.
     */
    private OneToken gptqOneToken(DeviceWeights.Gptq w, Fused fused, boolean normed) {
        int k = w.cols();
        int matvecSmem = kernels.matvecSmem;
        CUfunction decode = gptqDecode[w.bits() == 8 ? 0 : 1][fused.ordinal()];
        int decodeSmem = GptqDecode.smem(w.bits(), k, w.groups(), normed, fused == Fused.NORM_SILU, decodeWarps);
        if (decode != null && GptqDecode.takes(w.bits(), w.gsz(), k) && decodeSmem <= matvecSmem) {
            return new OneToken(decode, ctx.multiprocessors, 32 * decodeWarps, decodeSmem);
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

    /** p advanced by {@code floats} 4-byte values; null stays null. */
    private static CUdeviceptr offset(CUdeviceptr p, long floats) {
        return p == null || floats == 0 ? p : p.withByteOffset(4 * floats);
    }
}
