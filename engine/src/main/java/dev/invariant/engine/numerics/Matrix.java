package dev.invariant.engine.numerics;

/** A [rows, cols] weight matrix as the matmul kernels read it: dense ({@link WeightMatrix}) or GPTQ-packed ({@link GptqMatrix}). */
public sealed interface Matrix permits WeightMatrix, GptqMatrix {
    String name();

    /** Output features (one canonical dot each). */
    int rows();

    /** Input features (the dot's length). */
    int cols();
}
