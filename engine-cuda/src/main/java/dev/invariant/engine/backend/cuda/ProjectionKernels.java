package dev.invariant.engine.backend.cuda;

import static dev.invariant.engine.backend.cuda.Kernels.MATVEC_TOKENS;
import static dev.invariant.engine.backend.cuda.Kernels.MATVEC_WARPS;
import static dev.invariant.engine.backend.cuda.Kernels.smem;
import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.backend.cuda.Kernels.Fused;
import dev.invariant.engine.model.DType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * Projections of bf16 and f32 weights in the projection layout: one token streamed through shared memory
 * (kernels/matvec_stream.cu), many tokens on tiles (matvec_tile.cu), the rest in matvec.cu's token groups; which
 * kernel computes a row never changes its bits.
 */
final class ProjectionKernels {
    /**
     * Steps of at least this many tokens may take kernels/matvec_tile.cu (blocks of 64 rows x 16 tokens, weights
     * staged once per block for all its tokens); fewer take matvec.cu's token groups. Who computes changes, never the
     * bits. Measured on an H200 (docs/benchmarks.md): where its blocks fill half the multiprocessors, 64 x 16 beats
     * the token groups (per layer 1.2-1.7x at 64 tokens, 1.8-2.2x at 700 and 2,767, 1.35x for Qwen1.5-14B at 16);
     * with fewer (a small model's projections at 16 tokens) it is slower, so those keep the token groups.
     */
    static final int TILE_MIN_TOKENS = 16;
    /**
     * auto (default: {@link #tileShape}), off (matvec.cu's token groups for every step, to compare), 64x16 or 16x16
     * (bulk staging only) for every step of at least {@link #TILE_MIN_TOKENS} tokens.
     */
    static final String TILE = "invariant.cuda.tile";
    /**
     * true (default): auto gives a projection whose 64 x 16 grid would not fill half the multiprocessors the bulk
     * 16 x 16 tiles where there is a block of them for every multiprocessor (a small model's o and down at 64 tokens:
     * Qwen2.5-0.5B batch 64 measured 1.16x faster in the engine, docs/benchmarks.md 2026-12-05 05:21, H100), not
     * the token groups; false: the token groups. The same values either way.
     */
    static final String TILE_SMALL = "invariant.cuda.tile-16x16";
    /** matvec_tile.cu's shapes staged by the block's threads: {rows, tokens, threads} per block. */
    private static final int[][] TILE_SHAPES = {{64, 16, 256}};
    /** The bulk-staged shapes, in tileShape's numbering: 64 x 16, then 16 x 16 (two blocks per multiprocessor). */
    private static final int[][] BULK_SHAPES = {{64, 16, 256}, {16, 16, 128}};
    /**
     * bulk (default): the tiles' weight and input rows brought by the copy engine into a ring of slots
     * (kernels/tile_bulk.cuh's tile_bulk_impl; a fused norm staged first by matvec_tile_norm_rows), else cp (the block's
     * threads copying them, tile_impl, the norm applied per group). The same values either way; measured 1.5-1.6x
     * faster per Qwen1.5-14B layer at 16 to 2,767 tokens (docs/benchmarks.md 2026-12-04 18:00).
     */
    static final String TILE_STAGING = "invariant.cuda.tile-staging";
    private static final int BULK_SLOTS = 4;

    private final Kernels kernels;
    private final CudaContext ctx;
    /** [dtype bf16/f32][fused: none, norm, norm + silu][tokens per block: 1, 4]. */
    private final CUfunction[][][] matvec = new CUfunction[2][3][MATVEC_TOKENS.length];
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
    private final boolean tileSmall = Boolean.parseBoolean(System.getProperty(TILE_SMALL, "true"));
    /**
     * [dtype bf16/f32][plain, silu][BULK_SHAPES]: the bulk-staged tiles (null: staging by cp, or no room for the
     * ring).
     */
    private final CUfunction[][][] bulk = new CUfunction[2][2][BULK_SHAPES.length];
    private final CUfunction normRows;
    /** x' of a fused norm for the bulk tiles: maxTokens rows of the hidden size rounded up to 4 (null: none). */
    private final CUdeviceptr staged;
    private final int stagedRows;
    private final int stagedCols;

    /**
     * @param hidden    the model's hidden size: picks one token's streamed ring (StreamRing), sizes the norm's staging
     * @param maxTokens the most tokens a step projects: sizes the norm's staging for the bulk tiles
     */
    ProjectionKernels(Kernels k, CudaContext ctx, int hidden, int maxTokens) {
        this.kernels = k;
        this.ctx = ctx;
        this.hidden = hidden;
        String[] dtypes = {"bf16", "f32"};
        String[] fused = {"", "_norm", "_norm_silu"};
        int matvecSmem = k.matvecSmem;
        for (int d = 0; d < 2; d++) {
            for (int f = 0; f < 3; f++) {
                for (int t = 0; t < MATVEC_TOKENS.length; t++) {
                    CUfunction mv = k.dependentFn("matvec", "matvec_" + dtypes[d] + fused[f] + "_t" + MATVEC_TOKENS[t]);
                    cuFuncSetAttribute(mv, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    matvec[d][f][t] = mv;
                }
                for (StreamRing.Shape ring : STREAM_RINGS) {
                    if (ring == StreamRing.WIDE && d != 0) continue;  // bf16 only
                    CUfunction st = k.dependentFn("matvec_stream", "matvec_stream_" + dtypes[d] + fused[f] + ring.suffix());
                    cuFuncSetAttribute(st, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                    if (ring != StreamRing.BASE) {  // as measured: all of the shared memory, no re-split between layers
                        cuFuncSetAttribute(st, CUfunction_attribute.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 100);
                    }
                    stream[STREAM_RINGS.indexOf(ring)][d][f] = st;
                }
                for (int t = 0; t < TILE_SHAPES.length; t++) {
                    int bytes = tileSmem(TILE_SHAPES[t], d);
                    if (bytes > matvecSmem) continue;
                    CUfunction tf = k.fn("matvec_tile", "matvec_tile_" + dtypes[d] + fused[f] + "_" + tileName(t));
                    cuFuncSetAttribute(tf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
                    tile[d][f][t] = tf;  // not dependent: it reads its inputs from its first instruction
                }
            }
        }
        streamPair = streamVariant.startsWith("pair") ? new CUfunction[StreamRing.PAIRS.size()][3] : null;
        for (int r = 0; streamPair != null && r < streamPair.length; r++) {
            for (int f = 0; f < 3; f++) {
                String suffix = StreamRing.PAIRS.get(r).suffix() + (streamVariant.equals("pair-early") ? "e" : "");
                CUfunction pf = k.dependentFn("matvec_stream", "matvec_stream_bf16" + fused[f] + suffix);
                cuFuncSetAttribute(pf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, matvecSmem);
                // all of the multiprocessor's shared memory, so that two blocks fit and no kernel waits for a re-split
                cuFuncSetAttribute(pf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 100);
                streamPair[r][f] = pf;
            }
        }
        String staging = System.getProperty(TILE_STAGING, "bulk");
        if (!staging.equals("bulk") && !staging.equals("cp")) {
            throw new IllegalArgumentException(TILE_STAGING + "=" + staging + ": use bulk or cp");
        }
        boolean useBulk = staging.equals("bulk") && maxTokens >= TILE_MIN_TOKENS;
        for (int d = 0; useBulk && d < 2; d++) {
            for (int f = 0; f < 2; f++) {
                for (int b = 0; b < BULK_SHAPES.length; b++) {
                    int bytes = bulkSmem(b, d);
                    if (bytes > matvecSmem) continue;
                    CUfunction bf = k.fn("matvec_tile", "matvec_tile_bulk_" + dtypes[d] + (f == 1 ? "_silu" : "") + "_"
                            + BULK_SHAPES[b][0] + "x" + BULK_SHAPES[b][1]);
                    cuFuncSetAttribute(bf, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
                    bulk[d][f][b] = bf;
                }
            }
        }
        normRows = useBulk ? k.fn("matvec_tile", "matvec_tile_norm_rows") : null;
        stagedRows = useBulk ? maxTokens : 0;
        stagedCols = (hidden + 3) & ~3;
        staged = useBulk ? ctx.alloc(4L * stagedRows * stagedCols) : null;
        tileChoice = System.getProperty(TILE, "auto");
        if (!java.util.List.of("auto", "off", "64x16", "16x16").contains(tileChoice)) {
            throw new IllegalArgumentException(TILE + "=" + tileChoice + ": use auto, off, 64x16 or 16x16");
        }
    }

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
            kernels.launch(streamPair[pair][fused.ordinal()], ctx.multiprocessors, 1, ring.threads(),
                    StreamRing.pairSmem(ring, k), w.ptr(), x, xrows, norm, eps, y, bias, resid, w.rows(), k,
                    w.stride(), ldx);
            return;
        }
        boolean normed = fused != Fused.NONE;
        StreamRing.Shape ring = n == 1 ? StreamRing.ring(streamVariant, hidden, d == 0, k, normed, kernels.matvecSmem)
                : null;
        if (ring != null) {  // a block of ring.warps() warps per multiprocessor
            kernels.launch(stream[STREAM_RINGS.indexOf(ring)][d][fused.ordinal()], ctx.multiprocessors, 1,
                    ring.threads(), StreamRing.smem(ring, k, normed), w.ptr(), x, xrows, norm, eps, y, bias, resid,
                    w.rows(), k, w.stride(), ldx);
            return;
        }
        int shape = n >= TILE_MIN_TOKENS ? tileShape(w.rows(), n) : -1;
        if (shape >= 0 && bulkTile(d, fused, k, ldx, n, shape)) {
            // x (16-byte aligned: every input CudaForward passes is an allocation of its own) or, with a fused norm,
            // x' staged first
            int[] s = BULK_SHAPES[shape];
            long blocks = (long) ((w.rows() + s[0] - 1) / s[0]) * ((n + s[1] - 1) / s[1]);
            CUdeviceptr in = x;
            CUdeviceptr rowsOf = xrows;
            int ld = ldx;
            if (normed) {
                in = normFirst(norm, eps, x, xrows, ldx, n, k);
                rowsOf = null;
                ld = stagedCols;
            }
            kernels.launch(bulk[d][fused == Fused.NORM_SILU ? 1 : 0][shape], Math.toIntExact(blocks), 1, s[2],
                    bulkSmem(shape, d), w.ptr(), in, rowsOf, y, bias, resid, w.rows(), k, w.stride(), ld, ldy, n);
            return;
        }
        if (shape >= 0 && shape < TILE_SHAPES.length && tile[d][fused.ordinal()][shape] != null) {
            int[] s = TILE_SHAPES[shape];
            long blocks = (long) ((w.rows() + s[0] - 1) / s[0]) * ((n + s[1] - 1) / s[1]);
            kernels.launch(tile[d][fused.ordinal()][shape], Math.toIntExact(blocks), 1, s[2], tileSmem(s, d),
                    w.ptr(), x, xrows, norm, eps, y, bias, resid, w.rows(), k, w.stride(), ldx, ldy, n);
            return;
        }
        int t = kernels.tokenGroup(k, n);
        int tg = MATVEC_TOKENS[t];
        int rowsPerBlock = MATVEC_WARPS * (tg == 1 ? 1 : 4);
        CUfunction f = matvec[d][fused.ordinal()][t];
        kernels.launch(f, (w.rows() + rowsPerBlock - 1) / rowsPerBlock, (n + tg - 1) / tg, 32 * MATVEC_WARPS,
                smem(k, tg), w.ptr(), x, xrows, norm, eps, y, bias, resid, w.rows(), k, w.stride(), ldx, ldy, n, null,
                0L);
    }

    /**
     * Which tile a projection of n tokens over {@code rows} weight rows takes: 0 = 64 x 16, 1 = 16 x 16 (bulk staging
     * only), -1 = the token groups. 64 x 16 where its blocks fill at least half the multiprocessors (measured: fewer
     * blocks, as a small model's projections at batch 16, leave it slower than the token groups), else the 16 x 16
     * where there is a block of it for every multiprocessor (measured faster than both there: a small model's o and
     * down at 64 tokens; with fewer, as its qkv at 16, no faster than the token groups), else the token groups
     * (bench/device/kernels/tiles.cu, docs/benchmarks.md 2026-12-05). The shape follows the rows and the step's token
     * count; the bits are the same in every tile.
     */
    private int tileShape(int rows, int n) {
        return tileShape(tileChoice, tileSmall, rows, n, ctx.multiprocessors);
    }

    /** {@link #tileShape(int, int)} with -Dinvariant.cuda.tile=choice, -tile-16x16=small, on sms multiprocessors. */
    static int tileShape(String choice, boolean small, int rows, int n, int sms) {
        return switch (choice) {
            case "off" -> -1;
            case "auto" -> 2 * blocks(rows, n, 64) >= sms ? 0 : small && blocks(rows, n, 16) >= sms ? 1 : -1;
            case "16x16" -> 1;
            default -> 0;
        };
    }

    /** Blocks of blockRows rows x 16 tokens over a projection of n tokens. */
    private static long blocks(int rows, int n, int blockRows) {
        return (long) ((rows + blockRows - 1) / blockRows) * ((n + 15) / 16);
    }

    /**
     * Whether the bulk-staged tiles take this projection: their kernels loaded, and the copy engine's 16-byte rule
     * met (x' staged by the norm into rows of a multiple of 4 floats; unnormed inputs read in place, so ldx a multiple
     * of 4).
     */
    private boolean bulkTile(int d, Fused fused, int k, int ldx, int n, int shape) {
        if (bulk[d][fused == Fused.NORM_SILU ? 1 : 0][shape] == null) return false;
        return fused == Fused.NONE ? ldx % 4 == 0 : n <= stagedRows && k <= stagedCols;
    }

    /**
     * x' = RMSNorm(x) of n input rows of k values (numerics.md §4, as a fused norm computes them; kernels/tile_bulk.cuh's
     * norm_rows_impl) into the staging, for the tiles that take their input as given (the bulk tiles, GptqKernels'
     * tiles); rows of {@link #stagedCols()} floats. Null where there is no staging (tile-staging=cp, or steps too
     * small for the tiles) or it is too small for these rows.
     */
    CUdeviceptr normFirst(CUdeviceptr norm, float eps, CUdeviceptr x, CUdeviceptr xrows, int ldx, int n, int k) {
        if (staged == null || n > stagedRows || k > stagedCols) return null;
        kernels.launch(normRows, n, 1, 256, 0, x, xrows, ldx, norm, eps, staged, stagedCols, k);
        return staged;
    }

    /** The row length of {@link #normFirst}'s x', in floats (a multiple of 4: the copy engine's 16-byte rule). */
    int stagedCols() {
        return stagedCols;
    }

    /**
     * tile_bulk.cuh's tile::BulkSmem: BULK_SLOTS slots of the shape's weight rows (512 bytes each) and 16 input rows of
     * one group.
     */
    private static int bulkSmem(int shape, int dtype) {
        return BULK_SLOTS * (BULK_SHAPES[shape][0] * 512 + 16 * (dtype == 0 ? 1024 : 512));
    }

    private static String tileName(int shape) {
        return TILE_SHAPES[shape][0] + "x" + TILE_SHAPES[shape][1];
    }

    /** matvec_tile.cu's tile::tile_smem: 3 stages of the block's weight rows and input rows of one layout group. */
    private static int tileSmem(int[] shape, int dtype) {
        return 3 * (shape[0] * 512 + shape[1] * (dtype == 0 ? 1024 : 512));
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
}
