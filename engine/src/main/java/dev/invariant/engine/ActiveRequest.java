package dev.invariant.engine;

import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.LogitsObserver;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.api.Timings;
import dev.invariant.engine.identity.OutputHash;
import dev.invariant.engine.sample.GreedyChoice;
import dev.invariant.engine.sample.Sampler;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.structured.Guide;
import dev.invariant.engine.schedule.Sequence;
import dev.invariant.engine.text.IncrementalDetokenizer;
import dev.invariant.engine.text.StopStrings;
import dev.invariant.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** One admitted request's state between steps: its sequence, its text so far, its clocks. */
final class ActiveRequest {
    final PreparedRequest prepared;
    final Sequence seq;
    final TokenListener listener;
    final Consumer<GenerationResult> sink;
    /** True once the caller no longer wants the result: dropped at the next step ({@link InFlight#dropAbandoned}). */
    final BooleanSupplier cancelled;
    /** From output position min_tokens on, its token is its raw row's argmax, and it wants no logprobs. */
    private final boolean argmaxOnlyAfterMinTokens;
    /** Null unless the request asked for its prompt's log-probabilities. */
    final PromptLogprobs promptLogprobs;
    private final IncrementalDetokenizer detok;
    private final StopStrings stops;
    private final Set<Integer> endIds;
    private final Set<Integer> eosIds;
    private final Tokenizer tokenizer;
    /** Made at the first token, from the logits row's length. */
    private Guide guide;
    private final StringBuilder text = new StringBuilder();
    private final List<TokenLogprob> logprobs = new ArrayList<>();
    private final Set<Integer> batchSizes = new TreeSet<>();
    private int emitted;
    private final long arrivalNanos;
    private long firstStepNanos;
    private long firstTokenNanos;
    private FinishReason finish;

    ActiveRequest(PreparedRequest prepared, Sequence seq, Tokenizer tokenizer, Set<Integer> eosIds,
                  TokenListener listener, Consumer<GenerationResult> sink, BooleanSupplier cancelled, long arrivalNanos) {
        this.prepared = prepared;
        this.seq = seq;
        this.listener = listener;
        this.sink = sink;
        this.cancelled = cancelled;
        this.argmaxOnlyAfterMinTokens = Sampler.argmaxOnly(prepared.params(), prepared.params().minTokens())
                && !prepared.request().wantsLogprobs();
        this.arrivalNanos = arrivalNanos;
        int n = prepared.request().promptLogprobs();
        this.promptLogprobs = n >= 0 ? new PromptLogprobs(prepared.promptIds(), n) : null;
        this.detok = new IncrementalDetokenizer(tokenizer, prepared.params().skipSpecialTokens());
        this.stops = new StopStrings(prepared.params().stop());
        Set<Integer> ends = new java.util.HashSet<>(prepared.params().stopTokenIds());
        if (!prepared.params().ignoreEos()) ends.addAll(eosIds);
        this.endIds = Set.copyOf(ends);
        this.eosIds = eosIds;
        this.tokenizer = tokenizer;
    }

    /**
     * Whether this step's token is its row's argmax and it wants no logprobs, so that a backend's greedy choice is
     * all it needs; a request with min_tokens becomes so once min_tokens tokens are out.
     */
    boolean argmaxOnly() {
        return argmaxOnlyAfterMinTokens && seq.numOutputTokens() >= prepared.params().minTokens();
    }

    String requestId() {
        return prepared.request().requestId();
    }

    /**
     * This step's token: the backend's greedy choice when it answered one ({@link #argmaxOnly()}), else drawn from
     * the logits row, which {@code observer} sees first.
     */
    int nextToken(float[] row, GreedyChoice choice, LogitsObserver observer) {
        int position = seq.numOutputTokens();
        SamplingParams p = prepared.params();
        if (choice != null) return Sampler.greedy(choice, p, position, seq.tokens(), seq.promptLength());
        observer.onLogits(requestId(), position, row);
        return Sampler.sample(row, p, p.seed(), position, seq.tokens(), seq.promptLength(), eosIds, guide(row.length));
    }

    /** The request's structured output against this vocabulary, or null when it has none. */
    private Guide guide(int vocab) {
        if (prepared.params().structuredOutput() == null) return null;
        if (guide == null) guide = Guide.of(prepared.params().structuredOutput(), tokenizer, vocab);
        return guide;
    }

    void onScheduled(int batchSize, long now) {
        if (firstStepNanos == 0) firstStepNanos = now;
        batchSizes.add(batchSize);
    }

    /**
     * Appends a sampled token and decides whether the request is finished.
     *
     * @param logprob the token's log-probability when the request asked for them, else null
     * @return true when finished
     */
    boolean accept(int token, TokenLogprob logprob, int contextLength, long now) {
        if (logprob != null) logprobs.add(logprob);
        if (firstTokenNanos == 0) firstTokenNanos = now;
        int position = seq.numOutputTokens();
        seq.appendToken(token);
        int before = text.length();
        SamplingParams p = prepared.params();
        // vLLM: the EOS or stop id that ends the output adds no text unless include_stop_str_in_output.
        if (endIds.contains(token)) finish = FinishReason.STOP;
        if (finish == null || p.includeStopStrInOutput()) text.append(detok.push(token));
        // A complete structured output that no end id can close (ignore_eos, no stop_token_ids) ends here with
        // "stop", as vLLM ends a request whose grammar is terminated; with an end id allowed, the model emits it.
        if (finish == null && guide != null && endIds.isEmpty() && guide.complete(seq.tokens(), seq.promptLength())) {
            finish = FinishReason.STOP;
        }
        // vLLM's StopChecker: no stop string counts until min_tokens tokens are out, and then only one that ends in
        // this token's text, so a stop wholly inside the unchecked text before it never counts.
        int cut = seq.numOutputTokens() < p.minTokens() ? -1 : stops.firstMatchEndingAfter(text, before);
        if (cut >= 0) {
            text.setLength(stops.cutAt(text, cut, p.includeStopStrInOutput()));
            finish = FinishReason.STOP;
        }
        if (finish == null && (seq.numOutputTokens() >= prepared.params().maxTokens()
                || seq.numTokens() >= contextLength)) {
            finish = FinishReason.LENGTH;
        }
        if (finish != null && cut < 0) text.append(detok.flush());
        int safe = finish != null ? text.length() : text.length() - stops.holdBack(text);
        String delta = safe > emitted ? text.substring(emitted, safe) : "";
        emitted = Math.max(emitted, safe);
        if (position == 0 && listener != TokenListener.NONE) listener.onStart(requestId(), prepared.promptIds().clone());
        // The prompt's rows all came before its first token's (PromptLogprobs.forward), so its entries are whole.
        if (position == 0 && promptLogprobs != null) {
            listener.onPromptLogprobs(requestId(), prepared.promptIds().clone(), promptLogprobs.entries());
        }
        listener.onToken(requestId(), position, token, delta, logprob);
        return finish != null;
    }

    /** An error result that still names the prompt, fingerprint and seed the request had. */
    GenerationResult failed(NumericsProfile profile, EngineException e) {
        return new GenerationResult(requestId(), prepared.promptIds().clone(), new int[0], "", FinishReason.ERROR,
                prepared.fingerprint(), "", profile, prepared.params().seed(), Timings.NONE, List.of(), e);
    }

    GenerationResult result(NumericsProfile profile, long now) {
        int[] out = seq.outputTokens();
        double ms = 1e-6;
        long first = firstStepNanos == 0 ? now : firstStepNanos;
        long tok = firstTokenNanos == 0 ? now : firstTokenNanos;
        Timings t = new Timings((first - arrivalNanos) * ms, (tok - first) * ms, (now - tok) * ms,
                (now - arrivalNanos) * ms, (tok - arrivalNanos) * ms);
        return new GenerationResult(requestId(), prepared.promptIds().clone(), out, text.toString(), finish, prepared.fingerprint(),
                OutputHash.of(out), profile, prepared.params().seed(), t, List.copyOf(new ArrayList<>(batchSizes)), null,
                logprobs, List.of(), promptLogprobs == null ? List.of() : promptLogprobs.entries());
    }
}
