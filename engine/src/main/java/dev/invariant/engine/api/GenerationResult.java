package dev.invariant.engine.api;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.NumericsProfile;
import java.util.List;

/**
 * The outcome of one request. On failure {@code error} is set, {@code finishReason} is ERROR and the token
 * fields are empty; the fingerprint is set whenever the prompt could be tokenised.
 *
 * @param tokenIds      generated ids only (an EOS or stop id that ended generation is included)
 * @param seed          the seed actually used (derived from the request id when none was given)
 * @param batchSizes    the distinct numbers of sequences in the steps this request took part in
 * @param logprobs      one entry per generated token when the request asked for log-probabilities, else empty
 * @param outputs       a beam search's n outputs, best first (the top-level fields repeat output 0); empty for
 *                      every other request, whose one output is the top-level fields
 * @param promptLogprobs when the request asked for prompt log-probabilities ({@link Request#promptLogprobs()}),
 *                      one entry per prompt token from position 1 to P - 1 (entry i is prompt token i + 1's, from
 *                      the logits of position i: computed by the same code, to the same bits, as {@code logprobs});
 *                      position 0 has no context and so no entry (vLLM's null). Else empty. A request's, whatever n
 */
public record GenerationResult(
        String requestId,
        int[] promptTokenIds,
        int[] tokenIds,
        String text,
        FinishReason finishReason,
        String fingerprint,
        String outputHash,
        NumericsProfile profile,
        long seed,
        Timings timings,
        List<Integer> batchSizes,
        EngineException error,
        List<TokenLogprob> logprobs,
        List<SequenceOutput> outputs,
        List<TokenLogprob> promptLogprobs) {

    public GenerationResult {
        logprobs = List.copyOf(logprobs);
        outputs = List.copyOf(outputs);
        promptLogprobs = List.copyOf(promptLogprobs);
    }

    /** A result without prompt log-probabilities. */
    public GenerationResult(String requestId, int[] promptTokenIds, int[] tokenIds, String text,
                            FinishReason finishReason, String fingerprint, String outputHash, NumericsProfile profile,
                            long seed, Timings timings, List<Integer> batchSizes, EngineException error,
                            List<TokenLogprob> logprobs, List<SequenceOutput> outputs) {
        this(requestId, promptTokenIds, tokenIds, text, finishReason, fingerprint, outputHash, profile, seed, timings,
                batchSizes, error, logprobs, outputs, List.of());
    }

    /** This result with {@code promptLogprobs}. */
    public GenerationResult withPromptLogprobs(List<TokenLogprob> promptLogprobs) {
        return new GenerationResult(requestId, promptTokenIds, tokenIds, text, finishReason, fingerprint, outputHash,
                profile, seed, timings, batchSizes, error, logprobs, outputs, promptLogprobs);
    }

    /** A result with one output (every request but a beam search). */
    public GenerationResult(String requestId, int[] promptTokenIds, int[] tokenIds, String text,
                            FinishReason finishReason, String fingerprint, String outputHash, NumericsProfile profile,
                            long seed, Timings timings, List<Integer> batchSizes, EngineException error,
                            List<TokenLogprob> logprobs) {
        this(requestId, promptTokenIds, tokenIds, text, finishReason, fingerprint, outputHash, profile, seed, timings,
                batchSizes, error, logprobs, List.of());
    }

    /** A result without log-probabilities. */
    public GenerationResult(String requestId, int[] promptTokenIds, int[] tokenIds, String text,
                            FinishReason finishReason, String fingerprint, String outputHash, NumericsProfile profile,
                            long seed, Timings timings, List<Integer> batchSizes, EngineException error) {
        this(requestId, promptTokenIds, tokenIds, text, finishReason, fingerprint, outputHash, profile, seed, timings,
                batchSizes, error, List.of());
    }

    public boolean ok() {
        return error == null;
    }

    public static GenerationResult failed(String requestId, NumericsProfile profile, EngineException error) {
        return new GenerationResult(requestId, new int[0], new int[0], "", FinishReason.ERROR, "", "",
                profile, 0L, Timings.NONE, List.of(), error);
    }
}
