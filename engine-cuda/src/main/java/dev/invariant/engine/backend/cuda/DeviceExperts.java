package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.model.MoeWeights;
import java.util.List;

/**
 * A sparse layer's experts on the device, each projection in the profile's layout as the dense MLP's are: the
 * router (one row per expert), each expert's gate and up interleaved row by row (for the fused silu(gate) * up) and
 * its down projection, and Qwen2-MoE's shared expert with its one-row gate (null where none).
 */
record DeviceExperts(DeviceWeights.Projection router, List<DeviceWeights.Projection> gateUp,
                     List<DeviceWeights.Projection> down, DeviceWeights.Projection sharedGateUp,
                     DeviceWeights.Projection sharedDown, DeviceWeights.Projection sharedGate) {

    /** Uploads {@code w} with {@code upload}: (gate, up) interleaved when both are given, else one matrix. */
    static DeviceExperts upload(MoeWeights w, Upload upload) {
        List<DeviceWeights.Projection> gateUp = w.experts().stream()
                .map(e -> upload.of(e.gate(), e.up())).toList();
        List<DeviceWeights.Projection> down = w.experts().stream().map(e -> upload.of(e.down(), null)).toList();
        MoeWeights.Expert s = w.shared();
        return new DeviceExperts(upload.of(w.router(), null), gateUp, down,
                s == null ? null : upload.of(s.gate(), s.up()), s == null ? null : upload.of(s.down(), null),
                s == null ? null : upload.of(w.sharedGate(), null));
    }

    /** One projection's upload: {@code b} null for a single matrix, else a and b interleaved row by row. */
    interface Upload {
        DeviceWeights.Projection of(dev.invariant.engine.model.Tensor a, dev.invariant.engine.model.Tensor b);
    }
}
