package dev.invariant.engine;

import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.StepOutput;
import dev.invariant.engine.sample.Logprobs;
import dev.invariant.engine.schedule.ScheduledBatch;
import dev.invariant.engine.schedule.ScheduledChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * One request's prompt log-probabilities (vLLM's {@code prompt_logprobs}), recorded as the rows of its prompt
 * positions arrive: the row of position p gives prompt token p + 1's entry, by {@link Logprobs} as a generated
 * token's. Rows are turned into entries at once and never kept.
 */
final class PromptLogprobs {
    private final int[] prompt;
    private final int n;
    private final List<TokenLogprob> entries = new ArrayList<>();

    /** @param n the alternatives per entry, {@link dev.invariant.engine.api.Request#promptLogprobs()} */
    PromptLogprobs(int[] prompt, int n) {
        this.prompt = prompt;
        this.n = n;
    }

    /** The logits row of prompt position {@code position}; a row recorded before (a recompute) is skipped. */
    void onRow(int position, float[] row) {
        if (position < entries.size() || position >= prompt.length - 1) return;
        if (position > entries.size()) {
            throw new IllegalStateException("prompt row " + position + " arrived before row " + entries.size());
        }
        entries.add(Logprobs.of(row, prompt[position + 1], n));
    }

    /** Entries for prompt positions 1 .. P - 1 (all of them once the prompt is computed). */
    List<TokenLogprob> entries() {
        return List.copyOf(entries);
    }

    /**
     * Runs a step some of whose chunks want prompt rows ({@link ScheduledBatch#wantsPromptRows()}): every row
     * comes back ({@link Backend#forwardRows}), prompt rows go to their request's record ({@code records} answers
     * null for a sequence that wants none) and each chunk's sampling row is answered as {@link Backend#forward(List,
     * boolean[])} answers it (a greedy-only one's choice scanned on the host: the definition, the same token).
     */
    static StepOutput forward(Backend backend, ScheduledBatch batch, boolean[] greedyOnly,
                              LongFunction<PromptLogprobs> records) {
        float[][] rows = backend.forwardRows(batch.seqChunks());
        List<ScheduledChunk> chunks = batch.chunks();
        float[][] last = new float[chunks.size()][];
        int r = 0;
        for (int i = 0; i < chunks.size(); i++) {
            ScheduledChunk c = chunks.get(i);
            PromptLogprobs record = c.logitRows() > 0 ? records.apply(c.seq().seqId()) : null;
            for (int pos = c.endPos() - c.logitRows(); pos < c.endPos(); pos++, r++) {
                if (record != null) record.onRow(pos, rows[r]);
            }
            if (c.wantLogits()) last[i] = rows[r - 1];
        }
        if (r != rows.length) throw new IllegalStateException(rows.length + " rows for " + r + " wanted");
        return StepOutput.fromRows(last, greedyOnly);
    }
}
