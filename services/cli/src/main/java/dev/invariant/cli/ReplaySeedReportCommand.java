package dev.invariant.cli;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.Backends;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.sample.SamplingParams;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code invariant replay-seed-report}: the report's "3 different outputs in 10 runs", replayed per profile. */
@Command(name = "replay-seed-report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replay the seed report: one 2,767-character ReAct prompt at temperature 0 (max_tokens 1024,"
                + " stop \"Observation:\", seed 0), run N times per numerics profile while other requests of random"
                + " lengths come and go, so that the batch differs every run. Prints the distinct outputs per profile"
                + " and where each divergent pair first differs (docs/seed-report.md).",
                "Exit 1 when portable or fast gave more than one output."})
final class ReplaySeedReportCommand implements Callable<Integer> {
    /**
     * This command alone, for a machine that carries only the engine and the CLI jar (the GPU machine): the CLI's
     * entry point also loads the commands that need the embedded Kafka stack on the class path.
     */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new ReplaySeedReportCommand()).execute(args));
    }

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "synthetic:qwen1.5-14b-gptq-int8",
            description = "The model (default: ${DEFAULT-VALUE}, the report's shape; slow on a CPU: see --max-tokens).")
    String model;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "cpu or cuda (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--profile", paramLabel = "PROFILE", split = ",",
            description = "portable, fast and/or naive (default: all; fast needs the cuda backend and is skipped on cpu).")
    List<String> profiles;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "10", description = "Runs per profile (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "1024",
            description = "The report's max_tokens (default: ${DEFAULT-VALUE}); lower it for large models on a CPU.")
    int maxTokens;

    @Option(names = "--kv-cache-dtype", paramLabel = "DTYPE", defaultValue = "fp8_e5m2",
            description = "The report's kv_cache_dtype (default: ${DEFAULT-VALUE}); auto, fp32, bf16, fp8_e4m3 or fp8_e5m2.")
    String kvCacheDtype;

    @Option(names = "--max-model-len", paramLabel = "N", defaultValue = "10000",
            description = "The report's max_model_len (default: ${DEFAULT-VALUE}).")
    int maxModelLen;

    @Option(names = "--load", paramLabel = "N", defaultValue = "6",
            description = "Other requests per run at most, of random lengths and arrival steps (default: ${DEFAULT-VALUE}).")
    int load;

    @Option(names = "--load-seed", paramLabel = "S", defaultValue = "2767",
            description = "Seed of the other requests' lengths and arrivals (default: ${DEFAULT-VALUE}).")
    long loadSeed;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        if (runs < 1) throw EngineException.invalid("runs", "--runs must be >= 1, got " + runs);
        if (load < 0) throw EngineException.invalid("load", "--load must be >= 0, got " + load);
        List<NumericsProfile> wanted = new ArrayList<>();
        for (String p : profiles == null ? List.of("portable", "fast", "naive") : profiles) {
            wanted.add(NumericsProfile.fromWire(p));
        }
        if (wanted.stream().noneMatch(p -> Backends.runs(backend, p))) {
            throw new EngineException(ErrorCode.BACKEND_UNAVAILABLE, "the " + backend + " backend runs none of the"
                    + " profiles asked for (" + String.join(",", profiles) + "): fast needs --backend cuda; add"
                    + " portable or naive to replay on the " + backend);
        }
        SamplingParams params = SamplingParams.builder().temperature(0f).maxTokens(maxTokens)
                .stop(List.of("Observation:")).seed(0L).build();
        PrintStream out = System.out;
        out.println("replay-seed-report: " + model + " on " + backend + "; prompt " + SeedReportPrompt.LENGTH
                + " characters; temperature=0 max_tokens=" + maxTokens + " stop=\"Observation:\" seed=0; kv_cache_dtype=" + kvCacheDtype
                + " max_model_len=" + maxModelLen + "; " + runs
                + " runs per profile, each with 0-" + load + " other requests (load seed " + loadSeed + ")");
        boolean consistent = true;
        for (NumericsProfile profile : wanted) {
            if (!Backends.runs(backend, profile)) {
                out.println(profile.wireName() + ": skipped (the " + backend + " backend does not build it)");
                continue;
            }
            ReplayReport report = replay(profile, params);
            report.print(out, profile.wireName());
            if (profile != NumericsProfile.NAIVE && report.distinct() != 1) consistent = false;
        }
        return consistent ? 0 : 1;
    }

    private ReplayReport replay(NumericsProfile profile, SamplingParams params) {
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        // No prefix caching, as in vLLM 0.4: every run computes the prompt again, in whatever batch it meets.
        EngineConfig config = EngineConfig.defaults(model).withProfile(profile).withThreads(n).withBackend(backend)
                .withKvCache(16, 32768, false).withMaxModelLen(maxModelLen)
                .withKvCacheDtype(KvCacheDtype.fromWire(kvCacheDtype));
        try (Engine engine = Engine.open(config)) {
            int promptTokens = engine.tokenizer().encode(SeedReportPrompt.build()).length;
            System.out.println(profile.wireName() + ": " + engine.backendDescription() + "; the prompt is "
                    + promptTokens + " tokens");
            ReplayBar bar = new ReplayBar(System.err, profile.wireName(), runs, maxTokens);
            List<GenerationResult> results = new SeedReplay(engine.core(), load, loadSeed)
                    .run(Prompt.text(SeedReportPrompt.build()), params, runs, bar);
            bar.done();
            for (GenerationResult r : results) {
                if (!r.ok()) throw r.error();
            }
            return ReplayReport.of(results, id -> engine.tokenizer().decode(new int[] {id}, false));
        }
    }
}
