package dev.invariant.engine.model;

import java.util.List;

/**
 * Layers that leave queries and keys unrotated (NoPE): SmolLM3ForCausalLM's ({@code no_rope_layers}, 1 = RoPE; by
 * default every {@code no_rope_layer_interval}-th layer, 4, has none) and Exaone4ForCausalLM's full-attention layers
 * where its config sets a {@code sliding_window} (transformers rotates only the sliding ones then).
 */
public record NoPeLayers(List<Boolean> rope) implements ModelVariant {

    public NoPeLayers {
        rope = List.copyOf(rope);
    }

    /** Whether layer {@code l} rotates its queries and keys. */
    public boolean rotates(int l) {
        return rope.get(l);
    }
}
