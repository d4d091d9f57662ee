package dev.invariant.engine.sample;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.sample.SamplingParams.EarlyStopping;
import dev.invariant.engine.sample.structured.Guide;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The arithmetic and the orders of beam search (docs/sampling.md, "Beam search"): vLLM 0.4's algorithm with every
 * tie broken by a written rule, so a beam search is as reproducible as a greedy decode. Pure functions of logits
 * bits; the engine's {@code BeamRequest} keeps the state between steps.
 */
public final class BeamSearch {
    private BeamSearch() {
    }

    /**
     * One extension of a live beam.
     *
     * @param parent            index of the beam among the step's live beams (rank order)
     * @param tokenLogprob      log-softmax of the beam's penalised logits at {@code token}, binary32
     * @param cumulativeLogprob the parent's cumulative log-probability plus {@code tokenLogprob}, one binary32 add
     */
    public record Candidate(int parent, int token, float tokenLogprob, float cumulativeLogprob) {
    }

    /** Candidate order: cumulative log-probability descending, then token id ascending, then parent ascending. */
    public static final Comparator<Candidate> ORDER = (a, b) -> {
        int c = Float.compare(b.cumulativeLogprob() == 0f ? 0f : b.cumulativeLogprob(),
                a.cumulativeLogprob() == 0f ? 0f : a.cumulativeLogprob());
        if (c != 0) return c;
        c = Integer.compare(a.token(), b.token());
        return c != 0 ? c : Integer.compare(a.parent(), b.parent());
    };

    /**
     * The {@code 2 × width} best extensions over all live beams, in {@link #ORDER} (vLLM keeps twice the width so
     * that beams ending now cannot starve the running ones). Each beam contributes its own best {@code 2 × width}
     * tokens (log-probability descending, id ascending), a superset of its share of the result, less those it cannot
     * generate (log-probability -infinity: outside allowed_token_ids, or an end id before min_tokens).
     *
     * @param logits       each live beam's raw logits for its next position
     * @param cumulative   each live beam's cumulative log-probability
     * @param histories    each live beam's prompt then output ids (for the penalties and min_tokens)
     * @param eosIds       the model's EOS ids, which min_tokens bans
     */
    public static List<Candidate> candidates(List<float[]> logits, float[] cumulative, List<int[]> histories,
                                             int promptLength, SamplingParams p, Set<Integer> eosIds) {
        return candidates(logits, cumulative, histories, promptLength, p, eosIds, null);
    }

    /** {@link #candidates} for a request whose structured output is {@code guide} (null: none), per beam's output. */
    public static List<Candidate> candidates(List<float[]> logits, float[] cumulative, List<int[]> histories,
                                             int promptLength, SamplingParams p, Set<Integer> eosIds, Guide guide) {
        int keep = 2 * p.beamWidth();
        List<Candidate> all = new ArrayList<>();
        for (int beam = 0; beam < logits.size(); beam++) {
            int[] history = histories.get(beam);
            float[] processed = LogitProcessors.apply(checked(logits.get(beam)), p, eosIds,
                    history.length - promptLength, guide, history, promptLength);
            float[] penalised = Penalties.apply(processed, p, history, promptLength);
            double logZ = Logprobs.logZ(penalised);
            for (int id : Logprobs.topIds(penalised, Math.min(keep, penalised.length))) {
                float lp = (float) (penalised[id] - logZ);
                if (lp != Float.NEGATIVE_INFINITY) all.add(new Candidate(beam, id, lp, cumulative[beam] + lp));
            }
        }
        all.sort(ORDER);
        return List.copyOf(all.subList(0, Math.min(keep, all.size())));
    }

    /**
     * vLLM's (and HF's) beam score: {@code cumulative / seqLen^lengthPenalty} in binary64, the power from
     * {@link StrictMath} (the same bits on every JVM). {@code seqLen} counts prompt and output tokens, less a final
     * EOS token.
     */
    public static double score(float cumulative, int seqLen, float lengthPenalty) {
        return cumulative / StrictMath.pow(seqLen, lengthPenalty);
    }

    /**
     * vLLM's {@code _check_beam_search_early_stopping}, called once {@code best_of} finished hypotheses are kept.
     *
     * @param worstKeptScore     score of the worst of the kept finished hypotheses
     * @param bestRunningCum     cumulative log-probability of the best running beam (highest cumulative)
     * @param bestRunningLen     its length, prompt included
     * @param maxPossibleLen     the longest it may become: max(prompt + max_tokens, max_model_len), as vLLM computes
     */
    public static boolean stop(EarlyStopping early, float lengthPenalty, double worstKeptScore, float bestRunningCum,
                               int bestRunningLen, int maxPossibleLen) {
        return switch (early) {
            case TRUE -> true;
            case FALSE -> worstKeptScore >= score(bestRunningCum, bestRunningLen, lengthPenalty);
            case NEVER -> worstKeptScore >= score(bestRunningCum,
                    lengthPenalty > 0f ? maxPossibleLen : bestRunningLen, lengthPenalty);
        };
    }

    private static float[] checked(float[] logits) {
        for (int id = 0; id < logits.length; id++) {
            float v = logits[id];
            if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
                throw new EngineException(ErrorCode.INTERNAL, "logit of token " + id + " is " + v
                        + ": the forward pass produced a non-finite value; check the model weights");
            }
        }
        return logits;
    }
}
