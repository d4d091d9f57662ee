package dev.invariant.engine.model;

import java.util.List;

/**
 * SmolLM3ForCausalLM's NoPE layers: a Llama whose layers with {@code rope} false leave queries and keys unrotated
 * ({@code no_rope_layers}, 1 = RoPE; by default every {@code no_rope_layer_interval}-th layer, 4, has none).
 */
public record SmolLm3(List<Boolean> rope) implements ModelVariant {

    public SmolLm3 {
        rope = List.copyOf(rope);
    }

    /** Whether layer {@code l} rotates its queries and keys. */
    public boolean rotates(int l) {
        return rope.get(l);
    }
}
