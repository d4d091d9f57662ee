package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.MoeWeights;
import dev.invariant.engine.model.gptq.GptqLinear;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * A sparse layer's experts on the device, each projection in the profile's layout as the dense MLP's are: the
 * router (one row per expert), each expert's gate and up interleaved row by row (for the fused silu(gate) * up) and
 * its down projection, and Qwen2-MoE's shared expert with its one-row gate (null where none). {@code gateUpTable}
 * and {@code downTable} hold the experts' addresses for kernels that pick a token's experts on the device
 * (kernels/matvec.cu's matvec_experts); null where the experts are not dense matrices of one shape. {@code gateUpPacked}
 * and {@code downPacked} the same for GPTQ experts (gptq_matvec.cu's gptq_experts_*); null where not GPTQ rows of one
 * shape and quantisation.
 */
record DeviceExperts(DeviceWeights.Projection router, List<DeviceWeights.Projection> gateUp,
                     List<DeviceWeights.Projection> down, DeviceWeights.Projection sharedGateUp,
                     DeviceWeights.Projection sharedDown, DeviceWeights.Projection sharedGate, Table gateUpTable,
                     Table downTable, GptqExperts.Table gateUpPacked, GptqExperts.Table downPacked) {

    /** Experts' matrices of one dtype and shape: their device addresses by expert index, on the device. */
    record Table(CUdeviceptr addresses, DType dtype, int rows, int cols, int stride) {

        /** The table of {@code ps}, or null where they are not all matrices of the first one's dtype and shape. */
        static Table of(CudaContext ctx, List<DeviceWeights.Projection> ps) {
            if (!(ps.getFirst() instanceof DeviceWeights.Matrix first)) return null;
            long[] addresses = new long[ps.size()];
            for (int e = 0; e < ps.size(); e++) {
                if (!(ps.get(e) instanceof DeviceWeights.Matrix m) || m.dtype() != first.dtype()
                        || m.rows() != first.rows() || m.cols() != first.cols() || m.stride() != first.stride()) {
                    return null;
                }
                addresses[e] = DriverLaunch.address(m.ptr());
            }
            return new Table(ctx.upload(addresses), first.dtype(), first.rows(), first.cols(), first.stride());
        }
    }

    /**
     * Uploads {@code w}: the router and the shared expert with {@code upload}, the experts with {@code experts}
     * (ProfileKernels.portableExperts); (gate, up) interleaved when both are given, else one matrix; an expert stored
     * as GPTQ (the shared one too) with {@code gptq}, its gate and up interleaved likewise.
     */
    static DeviceExperts upload(CudaContext ctx, MoeWeights w, Upload upload, Upload experts, GptqUpload gptq) {
        List<DeviceWeights.Projection> gateUp = w.experts().stream().map(e -> e.gptq() != null
                ? gptq.of(List.of(e.gptq().gate(), e.gptq().up()), true) : experts.of(e.gate(), e.up())).toList();
        List<DeviceWeights.Projection> down = w.experts().stream().map(e -> e.gptq() != null
                ? gptq.of(List.of(e.gptq().down()), false) : experts.of(e.down(), null)).toList();
        MoeWeights.Expert s = w.shared();
        DeviceWeights.Projection sharedGateUp = s == null ? null : s.gptq() != null
                ? gptq.of(List.of(s.gptq().gate(), s.gptq().up()), true) : upload.of(s.gate(), s.up());
        DeviceWeights.Projection sharedDown = s == null ? null : s.gptq() != null
                ? gptq.of(List.of(s.gptq().down()), false) : upload.of(s.down(), null);
        return new DeviceExperts(upload.of(w.router(), null), gateUp, down, sharedGateUp, sharedDown,
                s == null ? null : upload.of(w.sharedGate(), null), Table.of(ctx, gateUp), Table.of(ctx, down),
                GptqExperts.Table.of(ctx, gateUp), GptqExperts.Table.of(ctx, down));
    }

    /** One projection's upload: {@code b} null for a single matrix, else a and b interleaved row by row. */
    interface Upload {
        DeviceWeights.Projection of(dev.invariant.engine.model.Tensor a, dev.invariant.engine.model.Tensor b);
    }

    /** A GPTQ projection's upload: one linear, or two (gate, up) interleaved row by row. */
    interface GptqUpload {
        DeviceWeights.Projection of(List<GptqLinear> linears, boolean interleave);
    }
}
