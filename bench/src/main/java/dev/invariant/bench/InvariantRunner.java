package dev.invariant.bench;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineCore;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decode speed of our engine on a model folder: the B prompts are admitted together and run continuously
 * batched, greedy, EOS ignored so every sequence decodes the same number of tokens. Each step's tokens are
 * stamped when the step returns, so the {@link TokenClock} window covers whole steps.
 */
final class InvariantRunner {
    private static final int BLOCK_SIZE = 16;

    private InvariantRunner() {
    }

    static DecodeResult run(Path folder, NumericsProfile profile, String dtype, int batch, int threads,
                            List<String> prompts, int decodeTokens) {
        int kvTokens = batch * (256 + decodeTokens) + 16 * BLOCK_SIZE;
        EngineConfig config = EngineConfig.defaults(folder.toString())
                .withProfile(profile)
                .withThreads(threads)
                .withBatching(batch, Math.max(batch, 2048), 512)
                .withKvCache(BLOCK_SIZE, kvTokens, false);
        try (Engine engine = Engine.open(config)) {
            EngineCore core = engine.core();
            List<GenerationResult> results = new ArrayList<>();
            // a short generation first, so the measured one runs compiled code
            core.add(request("warm-up", prompts.getFirst(), 4), TokenListener.NONE, results::add);
            core.runToCompletion();
            check(results);
            results.clear();

            TokenClock clock = new TokenClock(batch);
            List<Integer> stepTokens = new ArrayList<>();
            TokenListener listener = (id, pos, token, delta) -> stepTokens.add(Integer.parseInt(id));
            for (int i = 0; i < batch; i++) core.add(request(Integer.toString(i), prompts.get(i), decodeTokens), listener, results::add);
            while (core.hasWork()) {
                core.step();
                long now = System.nanoTime();
                for (int seq : stepTokens) clock.token(seq, now);
                stepTokens.clear();
            }
            check(results);
            int promptTokens = results.getFirst().promptTokenIds().length;
            return clock.result("invariant-" + profile.wireName(), dtype, threads, promptTokens);
        }
    }

    private static Request request(String id, String prompt, int maxTokens) {
        return new Request(id, Prompt.text(prompt), SamplingParams.builder().maxTokens(maxTokens).ignoreEos(true).build());
    }

    private static void check(List<GenerationResult> results) {
        for (GenerationResult r : results) {
            if (r.error() != null) throw new IllegalStateException("request " + r.requestId() + " failed: " + r.error());
        }
    }
}
