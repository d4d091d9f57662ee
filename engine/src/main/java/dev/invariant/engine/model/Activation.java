package dev.invariant.engine.model;

/** The gated MLP's activation on the gate: {@code down(act(gate · x) * (up · x))} (docs/numerics.md §5). */
public enum Activation {
    /** SiLU ({@code silu}): Llama and every architecture but Gemma's. */
    SILU,
    /** GELU, tanh form ({@code gelu_pytorch_tanh}): Gemma 2 and 3, Gemma 1 where its config says so. */
    GELU_TANH,
    /** GELU, exact form ({@code gelu}, with erf): Gemma 1 as its hub configs name it. */
    GELU_ERF
}
