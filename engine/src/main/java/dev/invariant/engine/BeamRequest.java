package dev.invariant.engine;

import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.api.Timings;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.identity.OutputHash;
import dev.invariant.engine.sample.BeamSearch;
import dev.invariant.engine.sample.BeamSearch.Candidate;
import dev.invariant.engine.sample.structured.Guide;
import dev.invariant.engine.sample.Logprobs;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.schedule.Sequence;
import dev.invariant.engine.text.StopStrings;
import dev.invariant.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One beam-search request between steps (docs/sampling.md, "Beam search"). Each live beam is computed by its own
 * short-lived {@link Sequence} holding the prompt and the beam's output: the scheduler finds the beam's full KV
 * blocks in the prefix cache (its parent computed them) and computes the rest, so a beam's logits come from the
 * same batch-invariant forward pass as any sequence's (prefill ≡ chunked prefill ≡ decode). When every live beam
 * has its logits, the step's candidates are chosen and the next step's sequences are made.
 */
final class BeamRequest {
    final PreparedRequest prepared;
    final TokenListener listener;
    final Consumer<GenerationResult> sink;
    /** True once the caller no longer wants the result (as {@link ActiveRequest#cancelled}). */
    final BooleanSupplier cancelled;
    /** Null unless the request asked for its prompt's log-probabilities; the first step's sequence computes them. */
    final PromptLogprobs promptLogprobs;
    private final SamplingParams params;
    private final Tokenizer tokenizer;
    private final Set<Integer> endIds;
    private final Set<Integer> eosIds;
    private final StopStrings stops;
    private final int contextLength;
    private final LongSupplier seqIds;
    private final long arrivalNanos;
    private final Set<Integer> batchSizes = new TreeSet<>();
    private long firstStepNanos;
    private long firstTokenNanos;
    /** Live beams of this step, best first; each with the sequence that computes its next logits. */
    private List<Beam> live = new ArrayList<>();
    /** Finished hypotheses kept, best first; at most best_of. */
    private List<Beam> finished = new ArrayList<>();
    private int waiting;

    /** A hypothesis: its output, cumulative log-probability and, once finished, its reason and text. */
    private static final class Beam {
        final int[] output;
        final float cumulative;
        final List<TokenLogprob> logprobs;
        Sequence seq;
        float[] logits;
        FinishReason finish;
        String text;
        /** The length of the text of its first min_tokens - 1 tokens, in which no stop string counts (vLLM). */
        int uncheckedText;
        double score;

        Beam(int[] output, float cumulative, List<TokenLogprob> logprobs) {
            this.output = output;
            this.cumulative = cumulative;
            this.logprobs = logprobs;
        }
    }

    BeamRequest(PreparedRequest prepared, Tokenizer tokenizer, Set<Integer> eosIds, int contextLength,
                LongSupplier seqIds, TokenListener listener, Consumer<GenerationResult> sink, BooleanSupplier cancelled,
                long arrivalNanos) {
        this.prepared = prepared;
        this.params = prepared.params();
        this.tokenizer = tokenizer;
        this.eosIds = eosIds;
        this.contextLength = contextLength;
        this.seqIds = seqIds;
        this.listener = listener;
        this.sink = sink;
        this.cancelled = cancelled;
        this.arrivalNanos = arrivalNanos;
        this.stops = new StopStrings(params.stop());
        Set<Integer> ends = new java.util.HashSet<>(params.stopTokenIds());
        if (!params.ignoreEos()) ends.addAll(eosIds);
        this.endIds = Set.copyOf(ends);
        Beam root = new Beam(new int[0], 0f, List.of());
        int promptN = prepared.request().promptLogprobs();
        this.promptLogprobs = promptN >= 0 ? new PromptLogprobs(prepared.promptIds(), promptN) : null;
        root.seq = new Sequence(seqIds.getAsLong(), prepared.promptIds(), params.maxTokens(), promptN >= 0);
        live.add(root);
        waiting = 1;
    }

    String requestId() {
        return prepared.request().requestId();
    }

    /** The sequences computing this step's logits (the engine schedules them and finishes them on failure). */
    List<Sequence> sequences() {
        return live.stream().map(b -> b.seq).toList();
    }

    void onScheduled(int batchSize, long now) {
        if (firstStepNanos == 0) firstStepNanos = now;
        batchSizes.add(batchSize);
    }

    /**
     * Takes one live beam's logits. Returns the next step's sequences once every live beam has its logits and the
     * search goes on; an empty list while logits are missing or when the search is over ({@link #done}).
     */
    List<Sequence> onLogits(Sequence seq, float[] logits, long now) {
        for (Beam b : live) {
            if (b.seq == seq && b.logits == null) {
                b.logits = logits;
                waiting--;
            }
        }
        if (waiting > 0) return List.of();
        if (firstTokenNanos == 0) firstTokenNanos = now;
        return advance();
    }

    boolean done() {
        return live.isEmpty();
    }

    /** vLLM 0.4's step (_process_sequence_group_outputs for beam search), ties broken by written orders. */
    private List<Sequence> advance() {
        int width = params.beamWidth();
        int prompt = prepared.promptIds().length;
        float[] cumulative = new float[live.size()];
        List<float[]> rows = new ArrayList<>();
        List<int[]> histories = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            cumulative[i] = live.get(i).cumulative;
            rows.add(live.get(i).logits);
            histories.add(history(live.get(i).output));
        }
        List<Beam> running = new ArrayList<>();
        List<Beam> all = new ArrayList<>(finished);
        Guide guide = params.structuredOutput() == null ? null
                : Guide.of(params.structuredOutput(), tokenizer, rows.getFirst().length);
        for (Candidate c : BeamSearch.candidates(rows, cumulative, histories, prompt, params, eosIds, guide)) {
            Beam parent = live.get(c.parent());
            Beam child = extend(parent, c);
            if (child.finish != null) all.add(child);
            else running.add(child);
        }
        // Stable sort: equal scores keep earlier-kept hypotheses first, then the candidate order.
        all.sort(Comparator.comparingDouble((Beam b) -> -b.score));
        finished = new ArrayList<>(all.subList(0, Math.min(width, all.size())));
        boolean stop = running.isEmpty() || finished.size() >= width && BeamSearch.stop(params.earlyStopping(),
                params.lengthPenalty(), finished.get(width - 1).score, running.getFirst().cumulative,
                prompt + running.getFirst().output.length,
                Math.max(prompt + params.maxTokens(), contextLength));
        live = stop ? new ArrayList<>() : new ArrayList<>(running.subList(0, Math.min(width, running.size())));
        waiting = live.size();
        for (Beam b : live) b.seq = new Sequence(seqIds.getAsLong(), history(b.output), params.maxTokens() - b.output.length);
        return sequences();
    }

    private Beam extend(Beam parent, Candidate c) {
        int[] out = Arrays.copyOf(parent.output, parent.output.length + 1);
        out[parent.output.length] = c.token();
        List<TokenLogprob> lps = parent.logprobs;
        if (prepared.request().wantsLogprobs()) {
            lps = new ArrayList<>(parent.logprobs);
            lps.add(Logprobs.of(parent.logits, c.token(), prepared.request().logprobs()));
        }
        Beam child = new Beam(out, c.cumulativeLogprob(), lps);
        // vLLM: the EOS or stop id that ends a beam adds no text unless include_stop_str_in_output.
        boolean ends = endIds.contains(c.token());
        String text = tokenizer.decode(ends && !params.includeStopStrInOutput() ? parent.output : out,
                params.skipSpecialTokens());
        // As for one sequence (ActiveRequest): no stop string before min_tokens tokens are out, and none that ends
        // within the text of the first min_tokens - 1; without min_tokens the whole text is searched.
        child.uncheckedText = out.length == params.minTokens() - 1 ? text.length() : parent.uncheckedText;
        int cut = out.length < params.minTokens() ? -1
                : stops.firstMatchEndingAfter(text, Math.min(child.uncheckedText, text.length()));
        if (cut >= 0) {
            child.finish = FinishReason.STOP;
            text = text.substring(0, stops.cutAt(text, cut, params.includeStopStrInOutput()));
        } else if (ends) {
            child.finish = FinishReason.STOP;
        } else if (endIds.isEmpty() && params.structuredOutput() != null && Guide.of(params.structuredOutput(),
                tokenizer, parent.logits.length).complete(out, 0)) {
            // a complete structured output that no end id can close (ignore_eos) ends here, as one sequence does
            child.finish = FinishReason.STOP;
        } else if (out.length >= params.maxTokens() || prepared.promptIds().length + out.length >= contextLength) {
            child.finish = FinishReason.LENGTH;
        }
        if (child.finish != null) {
            child.text = text;
            int len = prepared.promptIds().length + out.length - (eosIds.contains(c.token()) ? 1 : 0);
            child.score = BeamSearch.score(child.cumulative, len, params.lengthPenalty());
        }
        return child;
    }

    private int[] history(int[] output) {
        int[] prompt = prepared.promptIds();
        int[] h = Arrays.copyOf(prompt, prompt.length + output.length);
        System.arraycopy(output, 0, h, prompt.length, output.length);
        return h;
    }

    /** The n best finished hypotheses; the best one is also reported to the listener, token by token. */
    GenerationResult result(NumericsProfile profile, long now) {
        List<SequenceOutput> outs = new ArrayList<>();
        for (int i = 0; i < Math.min(params.n(), finished.size()); i++) {
            Beam b = finished.get(i);
            outs.add(new SequenceOutput(i, b.output, b.text, b.finish, OutputHash.of(b.output), b.cumulative,
                    b.logprobs));
        }
        SequenceOutput best = outs.getFirst();
        for (int i = 0; i < best.tokenIds().length; i++) {
            // Beams are only known at the end: the best one streams at once, its whole text with the last token.
            listener.onToken(requestId(), i, best.tokenIds()[i], i == best.tokenIds().length - 1 ? best.text() : "",
                    best.logprobs().isEmpty() ? null : best.logprobs().get(i));
        }
        double ms = 1e-6;
        long first = firstStepNanos == 0 ? now : firstStepNanos;
        long tok = firstTokenNanos == 0 ? now : firstTokenNanos;
        Timings t = new Timings((first - arrivalNanos) * ms, (tok - first) * ms, (now - tok) * ms,
                (now - arrivalNanos) * ms, (tok - arrivalNanos) * ms);
        return new GenerationResult(requestId(), prepared.promptIds().clone(), best.tokenIds().clone(), best.text(),
                best.finishReason(), prepared.fingerprint(), best.outputHash(), profile, params.seed(), t,
                List.copyOf(batchSizes), null, best.logprobs(), outs,
                promptLogprobs == null ? List.of() : promptLogprobs.entries());
    }

    GenerationResult failed(NumericsProfile profile, EngineException e) {
        return new GenerationResult(requestId(), prepared.promptIds().clone(), new int[0], "", FinishReason.ERROR,
                prepared.fingerprint(), "", profile, params.seed(), Timings.NONE, List.of(), e);
    }
}
