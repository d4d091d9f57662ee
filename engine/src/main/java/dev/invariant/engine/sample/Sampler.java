package dev.invariant.engine.sample;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.sample.structured.Guide;
import java.util.Set;

/**
 * Chooses each output token (docs/sampling.md). The choice is a pure function of (logits, params, seed,
 * position, history): no batch slot, thread, clock or shared random generator takes part.
 */
public final class Sampler {
    private Sampler() {}

    /**
     * Chooses the token at output position {@code position} (0 = first generated token).
     *
     * @param logits       raw model logits for this position; not modified
     * @param p            the request's sampling parameters
     * @param seed         the request's resolved seed (unused when greedy)
     * @param position     output position, >= 0
     * @param history      prompt ids followed by the ids generated so far
     * @param promptLength how many leading entries of {@code history} are the prompt
     * @param eosIds       the model's EOS ids, which {@code min_tokens} bans with {@code stop_token_ids}
     */
    public static int sample(float[] logits, SamplingParams p, long seed, int position, int[] history,
                             int promptLength, Set<Integer> eosIds) {
        return sample(logits, p, seed, position, history, promptLength, eosIds, null);
    }

    /**
     * {@link #sample} for a request whose structured output is {@code guide} (null: it has none), which sees the
     * output {@code history[promptLength..]}.
     */
    public static int sample(float[] logits, SamplingParams p, long seed, int position, int[] history,
                             int promptLength, Set<Integer> eosIds, Guide guide) {
        validate(logits, position, history, promptLength);
        if (p.structuredOutput() != null && guide == null) {
            throw new IllegalArgumentException("a request with a structured output is sampled with its Guide");
        }
        float[] processed = LogitProcessors.apply(logits, p, eosIds, position, guide, history, promptLength);
        float[] penalised = Penalties.apply(processed, p, history, promptLength);
        if (p.isGreedy()) return argmax(penalised);
        float temperature = p.temperature();
        float[] scaled = new float[penalised.length];
        for (int i = 0; i < scaled.length; i++) {
            float v = penalised[i] / temperature;
            if (v == Float.POSITIVE_INFINITY) {
                throw new EngineException(ErrorCode.INVALID_PARAM, "temperature " + temperature
                        + " is too small for these logits (logit / temperature overflows float32):"
                        + " use temperature 0 for greedy decoding or a larger temperature");
            }
            scaled[i] = v;
        }
        return Candidates.from(scaled, p.topK(), p.topP(), p.minP()).draw(uniform(seed, position));
    }

    /** {@link #sample} for a model without EOS ids (min_tokens then bans stop_token_ids only). */
    public static int sample(float[] logits, SamplingParams p, long seed, int position, int[] history,
                             int promptLength) {
        return sample(logits, p, seed, position, history, promptLength, Set.of());
    }

    /**
     * Whether the token of a request with these parameters at output {@code position} is its raw row's argmax and
     * nothing else (greedy, no penalty, no logit_bias, allowed_token_ids or structured output, min_tokens reached: steps 1 and 2 of
     * docs/sampling.md are then the identity), so that a backend may answer a {@link GreedyChoice} for it.
     */
    public static boolean argmaxOnly(SamplingParams p, int position) {
        return p.isGreedy() && !Penalties.active(p) && !LogitProcessors.active(p, position);
    }

    /**
     * The token {@link #sample} would choose from the row that {@code choice} was computed from, for parameters
     * where {@link #argmaxOnly} holds: the same checks, the same errors, the same token by definition.
     */
    public static int greedy(GreedyChoice choice, SamplingParams p, int position, int[] history, int promptLength) {
        if (!argmaxOnly(p, position)) {
            throw new IllegalArgumentException("a greedy choice answers greedy requests whose raw row's argmax is"
                    + " the token (no penalty, bias, allowed ids or pending min_tokens) only");
        }
        checkFinite(choice.notFiniteId(), choice.notFiniteValue());
        checkContext(position, history, promptLength);
        return choice.token();
    }

    /** Highest value; ties go to the lowest id. */
    static int argmax(float[] values) {
        return LogitScan.argmax(values);
    }

    /**
     * The uniform draw for (seed, position): Philox4x32-10 with key (low, high) 32 bits of the seed and
     * counter (position, 0, 0, 0); the top 24 bits of the first word scaled by 2^-24, so u is in [0, 1).
     */
    static float uniform(long seed, int position) {
        int[] words = Philox4x32.block(position, 0, 0, 0, (int) seed, (int) (seed >>> 32));
        return (words[0] >>> 8) * 0x1p-24f;
    }

    private static void validate(float[] logits, int position, int[] history, int promptLength) {
        checkNotEmpty(logits);
        int id = LogitScan.firstNotFiniteAbove(logits);
        checkFinite(id, id >= 0 ? logits[id] : 0f);
        checkContext(position, history, promptLength);
    }

    static void checkNotEmpty(float[] logits) {
        if (logits == null || logits.length == 0) {
            throw new EngineException(ErrorCode.INTERNAL, "no logits to sample from: the model returned an empty row");
        }
    }

    /** {@code id}: the row's first NaN or +infinity ({@link LogitScan#firstNotFiniteAbove}), -1 for none. */
    private static void checkFinite(int id, float value) {
        if (id >= 0) {
            throw new EngineException(ErrorCode.INTERNAL, "logit of token " + id + " is " + value
                    + ": the forward pass produced a non-finite value; check the model weights");
        }
    }

    private static void checkContext(int position, int[] history, int promptLength) {
        if (position < 0) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "output position must be >= 0, got " + position);
        }
        if (history == null || promptLength < 0 || promptLength > history.length) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "prompt length " + promptLength
                    + " does not fit a history of " + (history == null ? "null" : history.length + " ids")
                    + ": pass prompt ids followed by the generated ids");
        }
    }
}
