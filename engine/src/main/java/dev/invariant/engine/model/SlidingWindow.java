package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.List;

/**
 * Which layers attend through a sliding window, and its width (docs/models.md, "Sliding window"): a sliding layer's
 * query at position p sees the keys {@code max(0, p - size + 1) .. p}, itself and the {@code size - 1} before it, as
 * transformers' sliding-window mask does; every other layer sees {@code 0 .. p}. Gemma 2 and 3 alternate the two,
 * Mistral-7B-v0.1 and Phi-3-mini-4k slide everywhere, Qwen2/Qwen3 from {@code max_window_layers} on.
 *
 * @param size   keys a sliding layer's query sees; 0 for none
 * @param layers per layer, whether it slides; empty for none
 */
public record SlidingWindow(int size, List<Boolean> layers) {
    /** Every layer attends to the whole sequence. */
    public static final SlidingWindow NONE = new SlidingWindow(0, List.of());

    public SlidingWindow {
        layers = List.copyOf(layers);
        if (size < 0 || (size == 0) != layers.isEmpty()) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: a sliding window of " + size
                    + " over layers " + layers + " (a window needs its layers marked, no window no layers)");
        }
    }

    /** Every one of {@code numLayers} layers slides over {@code size} keys. */
    public static SlidingWindow everyLayer(int size, int numLayers) {
        return new SlidingWindow(size, java.util.Collections.nCopies(numLayers, true));
    }

    /** Whether layer {@code l} attends through the window. */
    public boolean slides(int l) {
        return size > 0 && layers.get(l);
    }

    /** Layer {@code l}'s window: {@link #size()} where it slides, else 0 (every key). */
    public int sizeOf(int l) {
        return slides(l) ? size : 0;
    }

    /** The first key position a query at {@code pos} sees in layer {@code l}. */
    public int firstKey(int l, int pos) {
        return slides(l) ? Math.max(0, pos - size + 1) : 0;
    }

    /** The sliding layers' indices, ascending. */
    public int[] slidingLayers() {
        return java.util.stream.IntStream.range(0, layers.size()).filter(this::slides).toArray();
    }
}
