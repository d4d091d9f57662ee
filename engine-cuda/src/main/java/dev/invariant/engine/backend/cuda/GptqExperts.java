package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import java.util.List;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * A mixture's chosen experts kept packed (kernels/gptq_matvec.cu's gptq_experts_*): a block row per (token, choice)
 * pair, its expert's GPTQ rows found on the device from the route's list, as matvec_experts does for dense experts;
 * each pair the same operations as the expert's projection of that token alone.
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

    private final Kernels k;
    /** [bits 8/4][act-order][down, gate|up with SiLU of the input normed there, of x' normed before]. */
    private final CUfunction[][][] fns = new CUfunction[2][2][3];

    GptqExperts(Kernels k) {
        this.k = k;
        String[] fused = {"", "_norm_silu", "_silu"};
        for (int b = 0; b < 2; b++) {
            for (int a = 0; a < 2; a++) {
                for (int f = 0; f < 3; f++) {
                    // not dependent: its rows' addresses come from the list the route just wrote
                    CUfunction fn = k.fn("gptq_matvec", "gptq_experts_int" + (b == 0 ? 8 : 4) + (a == 1 ? "_act" : "")
                            + fused[f]);
                    cuFuncSetAttribute(fn, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                            k.matvecSmem);
                    fns[b][a][f] = fn;
                }
            }
        }
    }

    /**
     * y[p] = W_e · x[p / xdiv] for each of the {@code pairs} pairs, e = list[p], W_e's rows from {@code table};
     * {@code silu}: the (gate, up) row pairs through silu(gate) * up, x RMSNorm'ed with {@code norm} first where it is
     * not null. Rows of x are {@code ldx} apart, of y {@code ldy}.
     */
    void run(Table t, boolean silu, CUdeviceptr list, int xdiv, CUdeviceptr x, CUdeviceptr norm, float eps,
             CUdeviceptr y, int pairs, int ldx, int ldy) {
        if (norm != null && !silu) throw new IllegalArgumentException("a normed input is read by gate|up only");
        CUfunction f = fns[t.bits() == 8 ? 0 : 1][t.gsz() == 0 ? 1 : 0][!silu ? 0 : norm != null ? 1 : 2];
        int rowsPerBlock = Kernels.MATVEC_WARPS * (t.bits() == 8 ? 2 : 4);  // the kernel's R rows per warp
        k.launch(f, (t.rows() + rowsPerBlock - 1) / rowsPerBlock, pairs, 32 * Kernels.MATVEC_WARPS,
                Kernels.smem(t.cols(), 1), t.q(), t.tab(), t.gidx(), t.rowPart(), list, xdiv, t.gsz(), x, norm, eps,
                y, t.rows(), t.cols(), t.stride(), t.groups(), ldx, ldy);
    }
}
