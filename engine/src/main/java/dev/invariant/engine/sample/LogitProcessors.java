package dev.invariant.engine.sample;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.structured.Guide;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a request does to its raw logits row before the penalties (docs/sampling.md, step 1): vLLM's
 * {@code allowed_token_ids}, {@code min_tokens}, the structured output (vLLM's {@code structured_outputs}, OpenAI's
 * {@code response_format}) and OpenAI's {@code logit_bias}, in vLLM's order (its logits processors and grammar
 * bitmask act on the raw logits; penalties, then temperature, come after). A bias is one binary32 addition
 * {@code logit + bias}; a token that cannot be generated gets exactly -infinity. Each processed value depends on its
 * own id only, so the order of the four cannot change a bit: -infinity plus a finite bias stays -infinity.
 */
public final class LogitProcessors {
    /** OpenAI's bound on a logit_bias value, either sign. */
    public static final float MAX_BIAS = 100f;

    private LogitProcessors() {
    }

    /** Whether {@link #apply} changes a row at output {@code position}. */
    static boolean active(SamplingParams p, int position) {
        return !p.logitBias().isEmpty() || p.allowedTokenIds() != null || bansEnds(p, position)
                || p.structuredOutput() != null;
    }

    /** Whether min_tokens holds the end ids off at output {@code position}. */
    private static boolean bansEnds(SamplingParams p, int position) {
        return p.minTokens() > 0 && position < p.minTokens();
    }

    /**
     * The processed row: {@code logits} itself when nothing applies at {@code position} (never modified), else a copy
     * in which ids outside {@code allowed_token_ids} and, while {@code position < min_tokens}, the end ids
     * ({@code stop_token_ids} and the model's EOS ids, also with {@code ignore_eos}, as vLLM bans them) are
     * -infinity, and every biased id has {@code logit + bias}.
     */
    static float[] apply(float[] logits, SamplingParams p, Set<Integer> eosIds, int position) {
        if (p.structuredOutput() != null) {
            throw new IllegalArgumentException("a request with a structured output needs its Guide and history");
        }
        return apply(logits, p, eosIds, position, null, null, 0);
    }

    /**
     * As above, with the request's structured output: {@code guide} (null when it has none) bans every id that
     * cannot continue the output {@code history[promptLength..]}, and the end ids (stop_token_ids, and the EOS ids
     * unless ignore_eos) unless the output is complete. A row in which no id is left fails the request.
     */
    static float[] apply(float[] logits, SamplingParams p, Set<Integer> eosIds, int position, Guide guide,
                         int[] history, int promptLength) {
        if (!active(p, position)) return logits;
        float[] out;
        if (p.allowedTokenIds() != null) {
            out = new float[logits.length];
            Arrays.fill(out, Float.NEGATIVE_INFINITY);
            for (int id : p.allowedTokenIds()) out[inRow(id, logits, "allowed_token_ids")] = logits[id];
        } else {
            out = logits.clone();
        }
        if (bansEnds(p, position)) {
            for (int id : p.stopTokenIds()) out[inRow(id, logits, "stop_token_ids")] = Float.NEGATIVE_INFINITY;
            for (int id : eosIds) if (id >= 0 && id < out.length) out[id] = Float.NEGATIVE_INFINITY;
        }
        if (p.structuredOutput() != null) constrain(out, p, eosIds, guide, history, promptLength, position);
        for (var e : p.logitBias().entrySet()) {
            int id = inRow(e.getKey(), logits, "logit_bias");
            out[id] = out[id] + e.getValue();
        }
        return out;
    }

    private static void constrain(float[] out, SamplingParams p, Set<Integer> eosIds, Guide guide, int[] history,
                                  int promptLength, int position) {
        if (guide == null) throw new IllegalArgumentException("a request with a structured output needs its Guide");
        Guide.Position at = guide.position(history, promptLength);
        BitSet ok = guide.allowed(at);
        boolean complete = guide.accepting(at);
        Set<Integer> ends = new HashSet<>(p.stopTokenIds());
        if (!p.ignoreEos()) ends.addAll(eosIds);
        boolean any = false;
        for (int id = 0; id < out.length; id++) {
            if (ends.contains(id) ? !complete : !ok.get(id)) out[id] = Float.NEGATIVE_INFINITY;
            else any |= out[id] != Float.NEGATIVE_INFINITY;
        }
        if (!any) throw Guide.deadEnd(position);
    }

    /**
     * The checks that need the vocabulary, made when the engine prepares a request: every id of logit_bias and
     * allowed_token_ids is a token of this model.
     */
    public static void checkVocabulary(SamplingParams p, int vocab) {
        for (int id : p.logitBias().keySet()) {
            if (id >= vocab) throw outside("logit_bias", id, vocab);
        }
        if (p.allowedTokenIds() == null) return;
        for (int id : p.allowedTokenIds()) {
            if (id >= vocab) throw outside("allowed_token_ids", id, vocab);
        }
    }

    /**
     * A logit_bias key as JSON and Avro carry it (a map's keys are strings): the decimal digits of a token id,
     * as OpenAI's clients write them ({@code "50256"}).
     */
    public static int tokenKey(String key) {
        if (key != null && key.matches("[0-9]{1,10}")) {
            long id = Long.parseLong(key);
            if (id <= Integer.MAX_VALUE) return (int) id;
        }
        throw EngineException.invalid("logit_bias", "logit_bias keys must be token ids written as decimal integers"
                + " (e.g. \"50256\"), got \"" + key + "\"");
    }

    /**
     * logit_bias as JSON, Avro and the CLI carry it (token-id strings to binary32 biases) keyed by token id; two keys
     * naming one id ({@code "5"} and {@code "05"}) are refused rather than one quietly winning.
     */
    public static Map<Integer, Float> logitBias(Map<String, Float> byKey) {
        Map<Integer, Float> out = new TreeMap<>();
        byKey.forEach((key, bias) -> {
            int id = tokenKey(key);
            if (out.put(id, bias) != null) {
                throw EngineException.invalid("logit_bias", "logit_bias gives token " + id + " twice: give each once");
            }
        });
        return out;
    }

    /** logit_bias validated: ids >= 0, biases finite in [-100, 100]; an unmodifiable copy in ascending id order. */
    static Map<Integer, Float> checkedBias(Map<Integer, Float> bias) {
        if (bias == null) throw EngineException.invalid("logit_bias", "logit_bias must be a map (empty for none)");
        TreeMap<Integer, Float> sorted = new TreeMap<>();
        for (var e : bias.entrySet()) {
            Integer id = e.getKey();
            Float b = e.getValue();
            if (id == null || id < 0) {
                throw EngineException.invalid("logit_bias", "logit_bias keys must be token ids >= 0, got " + id);
            }
            if (b == null || !(Math.abs(b) <= MAX_BIAS)) {
                throw EngineException.invalid("logit_bias", "logit_bias values must be numbers in [-100, 100], got "
                        + b + " for token " + id);
            }
            sorted.put(id, b);
        }
        return Collections.unmodifiableSortedMap(sorted);
    }

    /** allowed_token_ids validated: null (every id) or a non-empty list of ids >= 0; an unmodifiable copy. */
    static List<Integer> checkedAllowed(List<Integer> allowed) {
        if (allowed == null) return null;
        if (allowed.isEmpty()) {
            throw EngineException.invalid("allowed_token_ids", "allowed_token_ids must not be empty: give at least one"
                    + " token id, or leave it out to allow every token");
        }
        for (Integer id : allowed) {
            if (id == null || id < 0) {
                throw EngineException.invalid("allowed_token_ids", "allowed_token_ids must be token ids >= 0, got " + id);
            }
        }
        return List.copyOf(allowed);
    }

    /** min_tokens in [0, max_tokens]; any size when max_tokens is "up to the context" (the engine checks the fit). */
    static void checkMinTokens(int minTokens, int maxTokens) {
        if (minTokens < 0 || maxTokens != SamplingParams.UP_TO_CONTEXT && minTokens > maxTokens) {
            throw EngineException.invalid("min_tokens", "min_tokens must be >= 0 and at most max_tokens ("
                    + maxTokens + "), got " + minTokens);
        }
    }

    private static int inRow(int id, float[] logits, String field) {
        if (id >= logits.length) throw outside(field, id, logits.length);
        return id;
    }

    private static EngineException outside(String field, int id, int vocab) {
        return EngineException.invalid(field, field + ": token id " + id + " is outside the model's vocabulary [0, "
                + vocab + ")");
    }
}
