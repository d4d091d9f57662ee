package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import java.util.List;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * A mixture's chosen experts kept packed (kernels/gptq_matvec.cu): a block row per (token, choice) pair, its expert's
 * GPTQ rows found on the device from the route's list (gptq_experts_*, as matvec_experts for dense experts), or the
 * pairs grouped by expert, a block row per group of up to 4 (gptq_grouped_*, as matvec_grouped); each pair the same
 * operations as the expert's projection of that token alone.
 */
final class GptqExperts {
    /** Experts' GPTQ rows of one shape and quantisation: their device tables' addresses by expert index. */
    record Table(CUdeviceptr q, CUdeviceptr tab, CUdeviceptr gidx, CUdeviceptr rowPart, int bits, int rows, int cols,
                 int stride, int groups, int gsz) {

        /** The table of {@code ps}, or null where they are not all GPTQ rows of the first one's shape and quantisation. */
        static Table of(CudaContext ctx, List<DeviceWeights.Projection> ps) {
            if (!(ps.getFirst() instanceof DeviceWeights.Gptq first)) return null;
            int n = ps.size();
            long[] q = new long[n], tab = new long[n], gidx = new long[n], rowPart = new long[n];
            for (int e = 0; e < n; e++) {
                if (!(ps.get(e) instanceof DeviceWeights.Gptq g) || g.bits() != first.bits() || g.rows() != first.rows()
                        || g.cols() != first.cols() || g.stride() != first.stride() || g.groups() != first.groups()
                        || g.gsz() != first.gsz()) {
                    return null;
                }
                q[e] = DriverLaunch.address(g.q());
                tab[e] = DriverLaunch.address(g.tab());
                gidx[e] = DriverLaunch.address(g.gidx());
                rowPart[e] = g.rowPart() == null ? 0L : DriverLaunch.address(g.rowPart());
            }
            return new Table(ctx.upload(q), ctx.upload(tab), ctx.upload(gidx), ctx.upload(rowPart), first.bits(),
                    first.rows(), first.cols(), first.stride(), first.groups(), first.gsz());
        }
    }

    /**
     * auto (default): every int8 experts kernel staged, and of int4 only the chosen experts' down projection (one
     * token a block row, no SiLU), every other int4 kernel loads; loads: gptq_experts_loads_* and
     * gptq_grouped_loads_*, gptq_impl as the projections run it (a dependent table load at each group start, 4 words in
     * flight a row); staged: gptq_experts_* and gptq_grouped_* (rows without act-order; act-order's always loads) with
     * each row's group table and rest read at the start, the tables staged in shared memory (no global load waits
     * inside the loop) and, for one token, 2 words in flight a row. The same values whichever runs.
     * Measured on H100s (docs/benchmarks.md, Qwen1.5-MoE-A2.7B's shape, in one call each): int4 (2026-12-07
     * 08:04–08:26) staged against loads, the chosen down 18.2 against 23.5 µs a layer, gate|up 26.6 against 26.0, the
     * grouped kernels 311 / 197 against 265 / 192 µs at batch 16, so only the down; int8 (2026-12-07 13:30) staged
     * against loads batch 1 1.05x, batch 16 1.07x (the grouped 374 / 238 against 390 / 283 µs), prefill 1.05x.
     */
    static final String KERNEL = "invariant.cuda.gptq-experts";
    /** The staged kernels' table entries per row (kernels/gptq_matvec.cu's TSTAGE), after the input rows. */
    static final int STAGED_ENTRIES = 64;

    /** An experts kernel and whether it is a staged one (its launch adds the staged tables' shared memory). */
    private record Form(CUfunction fn, boolean staged) {}

    private final Kernels k;
    /** [bits 8/4][act-order][down, gate|up with SiLU of the input normed there, of x' normed before]. */
    private final Form[][][] fns = new Form[2][2][3];
    /** gptq_grouped_*: as {@link #fns}. */
    private final Form[][][] grouped = new Form[2][2][3];

    GptqExperts(Kernels k) {
        this.k = k;
        String kernel = System.getProperty(KERNEL, "auto");
        if (!kernel.equals("auto") && !kernel.equals("staged") && !kernel.equals("loads")) {
            throw new IllegalArgumentException("-D" + KERNEL + " takes auto, staged or loads; got " + kernel);
        }
        String[] fused = {"", "_norm_silu", "_silu"};
        for (int b = 0; b < 2; b++) {
            for (int a = 0; a < 2; a++) {
                for (int f = 0; f < 3; f++) {
                    int bits = b == 0 ? 8 : 4;
                    String suffix = bits + (a == 1 ? "_act" : "") + fused[f];
                    fns[b][a][f] = form("gptq_experts", suffix, staged(kernel, bits, a == 1, f != 0, false));
                    grouped[b][a][f] = form("gptq_grouped", suffix, staged(kernel, bits, a == 1, f != 0, true));
                }
            }
        }
    }

    /**
     * Whether {@code setting} runs the staged form of the experts kernel for these rows: auto takes it for int8 and
     * for the chosen (not grouped) int4 experts' down projection; act-order rows never (their group changes along the
     * row, so there is no staged form of them: gptq_matvec.cu).
     */
    static boolean staged(String setting, int bits, boolean act, boolean silu, boolean grouped) {
        boolean auto = setting.equals("auto") && (bits == 8 || !silu && !grouped);
        return !act && (setting.equals("staged") || auto);
    }

    private Form form(String base, String suffix, boolean staged) {
        return new Form(load(base + (staged ? "_int" : "_loads_int") + suffix), staged);
    }

    /** Not dependent: its rows' addresses come from the list the route (or moe_group) just wrote. */
    private CUfunction load(String kernel) {
        CUfunction fn = k.fn("gptq_matvec", kernel);
        cuFuncSetAttribute(fn, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, k.matvecSmem);
        return fn;
    }

    /**
     * y[p] = W_e · x[p / xdiv] for each of the {@code pairs} pairs, e = list[p], W_e's rows from {@code table};
     * {@code silu}: the (gate, up) row pairs through silu(gate) * up, x RMSNorm'ed with {@code norm} first where it is
     * not null. Rows of x are {@code ldx} apart, of y {@code ldy}.
     */
    void run(Table t, boolean silu, CUdeviceptr list, int xdiv, CUdeviceptr x, CUdeviceptr norm, float eps,
             CUdeviceptr y, int pairs, int ldx, int ldy) {
        Form form = fns[b(t)][a(t)][f(silu, norm)];
        k.launch(form.fn(), blocks(t), pairs, 32 * Kernels.MATVEC_WARPS, smem(t, 1, form.staged()),
                t.q(), t.tab(), t.gidx(), t.rowPart(), list, xdiv, t.gsz(), x, norm, eps, y, t.rows(), t.cols(),
                t.stride(), t.groups(), ldx, ldy);
    }

    /**
     * {@link #run} over MoeKernels.group's groups: y[yrows[i]] = W_e · x[xrows[i]] for the up to 4 pairs of each of
     * {@code maxGroups} groups, each weight dequantised once per group.
     */
    void grouped(Table t, boolean silu, CUdeviceptr groups, CUdeviceptr xrows, CUdeviceptr yrows, CUdeviceptr x,
                 CUdeviceptr norm, float eps, CUdeviceptr y, int maxGroups, int ldx, int ldy) {
        Form form = grouped[b(t)][a(t)][f(silu, norm)];
        k.launch(form.fn(), blocks(t), maxGroups, 32 * Kernels.MATVEC_WARPS, smem(t, 4, form.staged()),
                t.q(), t.tab(), t.gidx(), t.rowPart(), groups, xrows, yrows, t.gsz(), x, norm, eps, y, t.rows(), t.cols(),
                t.stride(), t.groups(), ldx, ldy);
    }

    /** The input rows of {@code tokens} tokens, then for a staged kernel each warp's rows' group tables. */
    private static int smem(Table t, int tokens, boolean staged) {
        int tables = staged ? Kernels.MATVEC_WARPS * rowsPerWarp(t) * STAGED_ENTRIES * 8 : 0;
        return Kernels.smem(t.cols(), tokens) + tables;
    }

    private static int b(Table t) {
        return t.bits() == 8 ? 0 : 1;
    }

    private static int a(Table t) {
        return t.gsz() == 0 ? 1 : 0;
    }

    private static int f(boolean silu, CUdeviceptr norm) {
        if (norm != null && !silu) throw new IllegalArgumentException("a normed input is read by gate|up only");
        return !silu ? 0 : norm != null ? 1 : 2;
    }

    private static int rowsPerWarp(Table t) {
        return t.bits() == 8 ? 2 : 4;
    }

    /** Blocks along x: the kernel's R rows per warp (2 int8, 4 int4), {@link Kernels#MATVEC_WARPS} warps. */
    private static int blocks(Table t) {
        int rowsPerBlock = Kernels.MATVEC_WARPS * rowsPerWarp(t);
        return (t.rows() + rowsPerBlock - 1) / rowsPerBlock;
    }
}
