package dev.invariant.engine;

import dev.invariant.engine.model.Model;

/**
 * How many CPU threads run a forward pass. {@code auto} (the CLI's and the worker's default) picks by the model:
 * one thread when its weights are small, all cores otherwise. A thread count changes who computes a part of a
 * region, never the part's range or its arithmetic, so the bits are the same whichever count is chosen
 * (docs/numerics.md).
 *
 * <p>Why a threshold: a step's parallel regions are as long as its projections are wide. For a model of a few
 * megabytes they last a few microseconds, less than waking a second thread and handing it a part, and the second
 * thread then holds a core that the caller's other work waits for; measured in docs/benchmarks.md (2026-12-02/03):
 * stories260K (1 MB of weights) and tiny-qwen2 run faster on one thread, a 135M-parameter model (270 MB) runs
 * faster on two.
 */
public final class CpuThreads {
    /** {@link EngineConfig#threads()} meaning "chosen by the model" ({@link #forModel}). */
    public static final int AUTO = 0;

    /** Below this many bytes of weights one thread runs the forward pass. */
    public static final long SMALL_MODEL_BYTES = 64L << 20;

    private CpuThreads() {
    }

    /**
     * A thread setting as users write it: {@code auto} ({@link #AUTO}), or a count of at least 1; {@code 0} still
     * means all cores, as it did before {@code auto} existed.
     */
    public static int parse(String setting) {
        String s = setting == null ? "" : setting.trim();
        if (s.isEmpty() || s.equalsIgnoreCase("auto")) return AUTO;
        int n;
        try {
            n = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw EngineException.invalid("threads", "threads='" + setting + "' is not a number: give auto (one"
                    + " thread for a small model, else all cores) or a count of at least 1");
        }
        if (n < 0) {
            throw EngineException.invalid("threads", "threads must be auto, 0 (all cores) or a count of at least 1,"
                    + " got " + n);
        }
        return n == 0 ? Runtime.getRuntime().availableProcessors() : n;
    }

    /** The count for {@code model}: {@code configured} when it is one, else by the size of its weights. */
    public static int forModel(int configured, Model model) {
        if (configured != AUTO) return configured;
        return model.weights().byteSize() < SMALL_MODEL_BYTES ? 1 : Runtime.getRuntime().availableProcessors();
    }
}
