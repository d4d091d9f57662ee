package dev.invariant.engine.sample;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/**
 * Repetition, frequency and presence penalties (docs/sampling.md, step 1). Each penalised logit is a
 * function of its own id's counts only, so the order in which ids are visited cannot change a bit.
 */
final class Penalties {
    private Penalties() {}

    /**
     * The penalised logits: {@code logits} itself when every penalty is disabled (never modified), else a copy.
     * Repetition (HF/vLLM) covers every distinct id of prompt and output; frequency and presence (OpenAI)
     * cover output ids only, that is {@code history[promptLength..]}.
     */
    static float[] apply(float[] logits, SamplingParams p, int[] history, int promptLength) {
        if (!active(p)) return logits;
        boolean repetition = p.repetitionPenalty() != 1f;
        boolean outputPenalties = p.frequencyPenalty() != 0f || p.presencePenalty() != 0f;
        float[] out = logits.clone();
        int vocab = logits.length;
        if (repetition) {
            float penalty = p.repetitionPenalty();
            boolean[] seen = new boolean[vocab];
            for (int i = 0; i < history.length; i++) {
                int id = checkedId(history, i, vocab);
                if (seen[id]) continue;
                seen[id] = true;
                float v = out[id];
                out[id] = v > 0f ? v / penalty : v * penalty;
            }
        }
        if (outputPenalties) {
            int[] counts = new int[vocab];
            for (int i = promptLength; i < history.length; i++) counts[checkedId(history, i, vocab)]++;
            float frequency = p.frequencyPenalty();
            float presence = p.presencePenalty();
            for (int id = 0; id < vocab; id++) {
                if (counts[id] == 0) continue;
                // Two separately rounded steps, as vLLM's tensor code does: l - f*count, then - presence.
                float v = out[id] - frequency * (float) counts[id];
                out[id] = v - presence;
            }
        }
        return out;
    }

    /** Whether any penalty is on; when none is, {@link #apply} is the identity. */
    static boolean active(SamplingParams p) {
        return p.repetitionPenalty() != 1f || p.frequencyPenalty() != 0f || p.presencePenalty() != 0f;
    }

    private static int checkedId(int[] history, int index, int vocab) {
        int id = history[index];
        if (id < 0 || id >= vocab) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "token id " + id + " at history index " + index
                    + " is outside the vocabulary [0, " + vocab + "): pass ids produced by this model's tokenizer");
        }
        return id;
    }
}
