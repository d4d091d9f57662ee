package dev.invariant.engine.sample;

import dev.invariant.engine.api.TokenLogprob;
import java.util.ArrayList;
import java.util.List;

/**
 * Log-probabilities from the raw logits a token was sampled from (before logit_bias, allowed_token_ids, min_tokens,
 * penalties, temperature and filters: the model's own distribution, as vLLM reports by default). A pure function of the logits' bits: the sum runs
 * over ids in increasing order in double precision, and exp/log are {@link StrictMath}'s (fdlibm, the same bits on
 * every JVM and CPU), so log-probabilities are as batch-invariant and reproducible as the tokens themselves.
 */
public final class Logprobs {
    private Logprobs() {
    }

    /** {@code token}'s log-probability and the {@code n} most likely tokens (value desc, id asc). */
    public static TokenLogprob of(float[] logits, int token, int n) {
        double logZ = logZ(logits);
        List<TokenLogprob.Alternative> top = new ArrayList<>(n);
        for (int id : topIds(logits, Math.min(n, logits.length))) {
            top.add(new TokenLogprob.Alternative(id, (float) (logits[id] - logZ)));
        }
        return new TokenLogprob(token, (float) (logits[token] - logZ), top);
    }

    /** log(sum(exp(logits))), summed in increasing id order: a token's log-probability is {@code (float) (logit - logZ)}. */
    public static double logZ(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        for (float v : logits) sum += StrictMath.exp(v - max);
        return max + StrictMath.log(sum);
    }

    /** The ids of the {@code n} largest logits in (value desc, id asc) order; n is small (at most 20). */
    public static int[] topIds(float[] logits, int n) {
        long[] best = new long[n];
        int size = 0;
        for (int id = 0; id < logits.length; id++) {
            long key = SortKeys.key(logits[id], id);
            if (size < n) {
                best[size++] = key;
            } else if (n == 0 || key >= best[n - 1]) {
                continue;
            } else {
                best[n - 1] = key;
            }
            for (int i = size - 1; i > 0 && best[i] < best[i - 1]; i--) {
                long t = best[i];
                best[i] = best[i - 1];
                best[i - 1] = t;
            }
        }
        int[] ids = new int[size];
        for (int i = 0; i < size; i++) ids[i] = SortKeys.id(best[i]);
        return ids;
    }
}
