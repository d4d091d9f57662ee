package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.EngineException;
import java.util.Locale;

/**
 * vLLM's {@code gpu_memory_utilization} on the GPU: the engine may use {@code fraction × total} bytes of the device
 * for weights, activations and KV cache, so the KV cache gets what that leaves once the weights and activations are
 * there. "In use" is measured by the driver ({@code total − free}), so other processes on the same GPU count too.
 * Plain arithmetic, apart from the device that supplies the figures.
 */
final class KvBudget {
    private KvBudget() {
    }

    /**
     * KV blocks for the budget: {@code floor((fraction × total − used) / bytesPerBlock)}, at most {@code maxBlocks}
     * (what the kernels can index); refused with what to change when not one block fits.
     */
    static int blocks(double fraction, long totalBytes, long usedBytes, long bytesPerBlock, int maxBlocks) {
        long budget = (long) Math.floor(fraction * totalBytes);
        long left = budget - usedBytes;
        long blocks = left <= 0 ? 0 : left / bytesPerBlock;
        if (blocks < 1) {
            throw EngineException.invalid("gpu_memory_utilization", String.format(Locale.ROOT,
                    "gpu_memory_utilization=%s allows %s of the GPU's %s, but %s are in use once the weights and"
                            + " activations are there (this engine and any other process), and one KV block needs %s:"
                            + " raise gpu_memory_utilization, free the GPU, or lower --max-batch / --max-tokens-per-step"
                            + " (the activations)", fraction, gb(budget), gb(totalBytes), gb(usedBytes), gb(bytesPerBlock)));
        }
        return (int) Math.min(blocks, maxBlocks);
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
