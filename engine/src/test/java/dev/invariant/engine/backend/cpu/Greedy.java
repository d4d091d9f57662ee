package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.SeqChunk;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: greedy argmax (ties to the lowest id) and a greedy run (block tables: StepScript.blocks). */
final class Greedy {
    private Greedy() {
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /** Prefill in one chunk, then decode one token per step; returns the ids and every step's logits. */
    static List<float[]> run(Backend be, long seq, int[] prompt, int steps, int[] table, List<Integer> ids) {
        List<float[]> all = new ArrayList<>();
        float[] logits = be.forward(List.of(new SeqChunk(seq, prompt, 0, table, true)))[0];
        int pos = prompt.length;
        for (int s = 0; s < steps; s++) {
            all.add(logits);
            int next = argmax(logits);
            ids.add(next);
            if (s + 1 < steps) {
                logits = be.forward(List.of(new SeqChunk(seq, new int[] {next}, pos, table, true)))[0];
                pos++;
            }
        }
        return all;
    }
}
