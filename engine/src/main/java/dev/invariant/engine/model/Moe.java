package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.List;

/**
 * A mixture of experts in place of the MLP (Mixtral, OLMoE, Qwen1.5/Qwen2-MoE, Qwen3-MoE): a router ({@code mlp.gate})
 * scores every expert, each token runs through the {@code expertsPerToken} best, and their outputs are summed weighted
 * by the router's probabilities (docs/numerics.md §9.1).
 *
 * @param numExperts       experts per sparse layer ({@code num_experts}, Mixtral's {@code num_local_experts})
 * @param expertsPerToken  experts each token runs through ({@code num_experts_per_tok})
 * @param expertSize       an expert's intermediate size ({@code moe_intermediate_size}; Mixtral's and OLMoE's
 *                         {@code intermediate_size})
 * @param normTopK         the chosen probabilities are divided by their sum ({@code norm_topk_prob}; always for Mixtral)
 * @param sharedExpertSize Qwen2-MoE's shared expert's intermediate size, which every token runs through, its output
 *                         scaled by {@code sigmoid(shared_expert_gate · x)}; 0 for none
 * @param sparse           per layer, whether it has the experts; the others have the dense MLP of
 *                         {@code intermediate_size} ({@code mlp_only_layers}, {@code decoder_sparse_step})
 */
public record Moe(int numExperts, int expertsPerToken, int expertSize, boolean normTopK, int sharedExpertSize,
                  List<Boolean> sparse) {

    public Moe {
        sparse = List.copyOf(sparse);
        if (numExperts <= 0 || expertsPerToken <= 0 || expertsPerToken > numExperts) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: num_experts_per_tok " + expertsPerToken
                    + " must be between 1 and the " + numExperts + " experts");
        }
        if (expertSize <= 0 || sharedExpertSize < 0) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: the experts' intermediate size "
                    + expertSize + " must be > 0 and the shared expert's " + sharedExpertSize + " >= 0");
        }
    }

    /** Whether layer {@code l} routes its tokens through experts (else it has the dense MLP). */
    public boolean sparse(int l) {
        return sparse.get(l);
    }

    /** The indices of the sparse layers, ascending. */
    public int[] sparseLayers() {
        return java.util.stream.IntStream.range(0, sparse.size()).filter(this::sparse).toArray();
    }
}
