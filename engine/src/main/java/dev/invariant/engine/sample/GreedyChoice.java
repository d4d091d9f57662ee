package dev.invariant.engine.sample;

/**
 * What greedy decoding needs of a logits row, computed where the row is (a GPU answers it in a kernel and copies back
 * these three values instead of the row): the greedy token and the row's first non-finite value, which makes
 * {@link Sampler} raise the error it raises for a full row. The definitions are {@link LogitScan}'s.
 *
 * @param token          the lowest id of the row's maximum, -0 and +0 equal ({@link LogitScan#argmax})
 * @param notFiniteId    the lowest id whose logit is NaN or +infinity, or -1 ({@link LogitScan#firstNotFiniteAbove})
 * @param notFiniteValue that logit (0 when there is none)
 */
public record GreedyChoice(int token, int notFiniteId, float notFiniteValue) {

    /** The definition, on the host. */
    public static GreedyChoice of(float[] row) {
        Sampler.checkNotEmpty(row);
        int bad = LogitScan.firstNotFiniteAbove(row);
        return new GreedyChoice(LogitScan.argmax(row), bad, bad >= 0 ? row[bad] : 0f);
    }
}
