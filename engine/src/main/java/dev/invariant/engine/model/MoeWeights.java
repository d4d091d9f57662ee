package dev.invariant.engine.model;

import dev.invariant.engine.model.gptq.GptqLinear;
import java.util.List;

/**
 * A sparse layer's experts ({@link Moe}), [out, in] row-major as stored: the router ({@code mlp.gate}, Mixtral's
 * {@code block_sparse_moe.gate}: one row per expert), each expert's gate, up and down projections, and Qwen2-MoE's
 * shared expert with its one-row gate (null where the model has none). In a GPTQ checkpoint an expert's projections
 * may be packed ({@link Expert#gptq}); the router and the shared expert's gate stay dense (AutoGPTQ quantises
 * neither).
 */
public record MoeWeights(Tensor router, List<Expert> experts, Expert shared, Tensor sharedGate) {

    public MoeWeights {
        experts = List.copyOf(experts);
    }

    /**
     * One expert: an MLP, {@code down(silu(gate · x) * (up · x))}, dense (gate, up, down; {@code gptq} null) or GPTQ
     * ({@code gptq}; the dense tensors null).
     */
    public record Expert(Tensor gate, Tensor up, Tensor down, Gptq gptq) {

        public Expert {
            boolean dense = gate != null && up != null && down != null;
            if (dense == (gptq != null) || (!dense && (gate != null || up != null || down != null))) {
                throw new IllegalArgumentException("an expert is either dense (gate, up, down) or GPTQ, not both");
            }
        }

        /** A dense expert. */
        public Expert(Tensor gate, Tensor up, Tensor down) {
            this(gate, up, down, null);
        }

        public long byteSize() {
            return gptq != null ? gptq.gate().byteSize() + gptq.up().byteSize() + gptq.down().byteSize()
                    : gate.byteSize() + up.byteSize() + down.byteSize();
        }
    }

    /** An expert's projections in a GPTQ checkpoint (packed, docs/numerics.md §14). */
    public record Gptq(GptqLinear gate, GptqLinear up, GptqLinear down) {
    }

    /** Bytes of all its tensors as stored (GPTQ projections packed). */
    public long byteSize() {
        long n = router.byteSize() + experts.stream().mapToLong(Expert::byteSize).sum();
        return shared == null ? n : n + shared.byteSize() + sharedGate.byteSize();
    }
}
