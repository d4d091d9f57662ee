package dev.invariant.engine;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.api.TokenLogprob;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A sampled request with n > 1 (without beam search): n independent samples of one prompt, sample i drawn with the
 * seed {@code seed + i} (vLLM's rule for a request's children), so each is exactly the one sample a request with
 * that seed and n = 1 returns, whatever else runs. The samples run as n sequences; when the last is done the
 * request's result holds them in index order ({@link GenerationResult#outputs()}), output 0 repeated at the top as a
 * beam search's best is. Each output's cumulative log-probability is the binary32 running sum of its tokens'
 * log-probabilities, as a beam's.
 */
final class ParallelSamples {
    private final PreparedRequest parent;
    private final GenerationResult[] results;
    private final Consumer<GenerationResult> sink;
    private int pending;

    ParallelSamples(PreparedRequest parent, Consumer<GenerationResult> sink) {
        this.parent = parent;
        this.results = new GenerationResult[parent.params().n()];
        this.sink = sink;
        this.pending = results.length;
    }

    int n() {
        return results.length;
    }

    /**
     * Sample i as a request of its own: seed + i, the parent's fingerprint (the request asked for all n), and at least
     * the sampled token's log-probability, for the cumulative one. Sample 0 alone computes the prompt's
     * log-probabilities (the request's: the same for every sample); the others may reuse its cached prompt.
     */
    PreparedRequest child(int i) {
        Request r = parent.request();
        Request c = new Request(r.requestId(), r.prompt(), r.params(), r.deadlineMs(), Math.max(0, r.logprobs()),
                i == 0 ? r.promptLogprobs() : -1);
        return new PreparedRequest(c, parent.promptIds(), parent.params().withSeed(parent.params().seed() + i),
                parent.fingerprint());
    }

    /** Sample i's own result, on the stepping thread; the request's goes to the sink once all n are in. */
    Consumer<GenerationResult> sinkOf(int i) {
        return g -> {
            if (results[i] != null) return;
            results[i] = g;
            if (--pending == 0) sink.accept(combined());
        };
    }

    private GenerationResult combined() {
        for (GenerationResult g : results) {
            if (!g.ok()) return GenerationResult.failed(parent.request().requestId(), g.profile(), g.error());
        }
        boolean wanted = parent.request().wantsLogprobs();
        List<SequenceOutput> outs = new ArrayList<>();
        for (int i = 0; i < results.length; i++) {
            GenerationResult g = results[i];
            float cumulative = 0f;
            for (TokenLogprob lp : g.logprobs()) cumulative += lp.logprob();
            outs.add(new SequenceOutput(i, g.tokenIds(), g.text(), g.finishReason(), g.outputHash(), cumulative,
                    wanted ? g.logprobs() : List.of()));
        }
        GenerationResult first = results[0];
        return new GenerationResult(first.requestId(), first.promptTokenIds(), first.tokenIds(), first.text(),
                first.finishReason(), parent.fingerprint(), first.outputHash(), first.profile(),
                parent.params().seed(), first.timings(), first.batchSizes(), null,
                wanted ? first.logprobs() : List.of(), outs, first.promptLogprobs());
    }
}
