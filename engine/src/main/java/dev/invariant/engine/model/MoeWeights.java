package dev.invariant.engine.model;

import java.util.List;

/**
 * A sparse layer's experts ({@link Moe}), [out, in] row-major as stored: the router ({@code mlp.gate}, Mixtral's
 * {@code block_sparse_moe.gate}: one row per expert), each expert's gate, up and down projections, and Qwen2-MoE's
 * shared expert with its one-row gate (null where the model has none).
 */
public record MoeWeights(Tensor router, List<Expert> experts, Expert shared, Tensor sharedGate) {

    public MoeWeights {
        experts = List.copyOf(experts);
    }

    /** One expert: an MLP, {@code down(silu(gate · x) * (up · x))}. */
    public record Expert(Tensor gate, Tensor up, Tensor down) {
        long byteSize() {
            return gate.byteSize() + up.byteSize() + down.byteSize();
        }
    }

    /** Bytes of all its tensors as stored. */
    public long byteSize() {
        long n = router.byteSize() + experts.stream().mapToLong(Expert::byteSize).sum();
        return shared == null ? n : n + shared.byteSize() + sharedGate.byteSize();
    }
}
