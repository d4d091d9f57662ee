package dev.invariant.engine;

import dev.invariant.engine.model.Model;

/**
 * How many CPU threads run a forward pass. {@code auto} (the CLI's and the worker's default) picks by the model:
 * one thread when its weights are small, all cores otherwise. A thread count changes who computes a part of a
 * region, never the part's range or its arithmetic, so the bits are the same whichever count is chosen
 * (docs/numerics.md).
 *
 * <p>Why a threshold: a step's parallel regions are as long as its projections are wide. For a model of a few
 * megabytes they last a few microseconds, less than handing a second thread its part, and that thread then holds
 * a core the caller's other work waits for. Measured on a 2-core machine (docs/benchmarks.md, 2026-12-02/03):
 * stories260K (1 MB of weights) decodes in 1.2-1.6 ms a token on one thread against 1.8-2.5 on two, tiny-qwen2
 * (10 MB) 2.3-3.1 against 2.7-3.3; a 135M-parameter model (270 MB) takes 17.1-17.5 against 17.6-17.9 ms, no gain
 * from the second core there either, so the threshold errs toward all cores for anything not clearly small.
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
