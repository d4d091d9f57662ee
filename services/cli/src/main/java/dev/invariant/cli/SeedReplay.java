package dev.invariant.cli;

import dev.invariant.engine.EngineCore;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One request run N times on one engine while other requests come and go, so that no two runs see the same
 * batches (docs/seed-report.md). Run r draws its load from {@code Random(loadSeed + r)}: 0 to {@code maxCompanions}
 * greedy requests of 1 to {@value #MAX_COMPANION_PROMPT} random token ids and 1 to {@value #MAX_COMPANION_TOKENS}
 * output tokens, arriving at random steps of the run; the subject itself arrives at step 0 to 5. Companions still
 * running when the subject finishes stay in the engine into the next run; the rest of a run's load is dropped.
 */
final class SeedReplay {
    static final int MAX_COMPANION_PROMPT = 256;
    static final int MAX_COMPANION_TOKENS = 48;
    private static final int ARRIVAL_STEPS = 48;

    /** Called after every engine step: runs done, the current run's subject tokens so far. */
    interface Progress {
        void update(int runsDone, int subjectTokens);

        /** Run {@code run} (from 0) finished with {@code result}: reported as it happens, so a cut-short replay still counts. */
        default void runDone(int run, GenerationResult result) {
        }
    }

    private final EngineCore core;
    private final int maxCompanions;
    private final long loadSeed;
    private int subjectTokens;

    SeedReplay(EngineCore core, int maxCompanions, long loadSeed) {
        this.core = core;
        this.maxCompanions = maxCompanions;
        this.loadSeed = loadSeed;
    }

    /** The subject's result in each run, in run order. */
    List<GenerationResult> run(Prompt prompt, SamplingParams params, int runs, Progress progress) {
        int vocab = core.model().config().vocabSize();
        List<GenerationResult> results = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            Random rnd = new Random(loadSeed + r);
            List<Request> companions = new ArrayList<>();
            List<Integer> arrivals = new ArrayList<>();
            int count = rnd.nextInt(maxCompanions + 1);
            for (int i = 0; i < count; i++) {
                int[] ids = new int[1 + rnd.nextInt(MAX_COMPANION_PROMPT)];
                for (int j = 0; j < ids.length; j++) ids[j] = 3 + rnd.nextInt(vocab - 3);
                companions.add(new Request("load-" + r + "-" + i, new Prompt.TokenIds(ids), SamplingParams.builder()
                        .maxTokens(1 + rnd.nextInt(MAX_COMPANION_TOKENS)).ignoreEos(true).build()));
                arrivals.add(rnd.nextInt(ARRIVAL_STEPS));
            }
            int subjectStep = rnd.nextInt(6);
            GenerationResult[] got = new GenerationResult[1];
            subjectTokens = 0;
            for (int step = 0; got[0] == null; step++) {
                if (step == subjectStep) {
                    core.add(new Request("seed-report-" + r, prompt, params), (id, pos, tok, delta) -> subjectTokens++,
                            res -> got[0] = res);
                }
                for (int i = 0; i < companions.size(); i++) {
                    if (arrivals.get(i) == step) core.add(companions.get(i), (id, pos, tok, delta) -> { }, res -> { });
                }
                if (core.hasWork()) core.step();
                progress.update(r, subjectTokens);
            }
            results.add(got[0]);
            progress.runDone(r, got[0]);
        }
        core.runToCompletion();
        return results;
    }
}
