package dev.invariant.engine.backend;

import dev.invariant.engine.sample.GreedyChoice;
import java.util.Arrays;

/**
 * One step's answer, per chunk in the order of the step: a chunk whose logits are wanted gets either its logits row
 * or, where the engine asked for its greedy choice only, a {@link GreedyChoice} and no row; a chunk whose logits are
 * not wanted (a prefill chunk before the prompt's end) gets neither.
 */
public record StepOutput(float[][] logits, GreedyChoice[] greedy) {

    public StepOutput {
        if (logits.length != greedy.length) {
            throw new IllegalArgumentException(logits.length + " logits rows but " + greedy.length + " greedy choices");
        }
    }

    /** From full rows: the greedy-only chunks' choices scanned on the host (the definition), their rows dropped. */
    public static StepOutput fromRows(float[][] rows, boolean[] greedyOnly) {
        float[][] logits = Arrays.copyOf(rows, rows.length);
        GreedyChoice[] greedy = new GreedyChoice[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || !greedyOnly[i]) continue;
            greedy[i] = GreedyChoice.of(rows[i]);
            logits[i] = null;
        }
        return new StepOutput(logits, greedy);
    }
}
