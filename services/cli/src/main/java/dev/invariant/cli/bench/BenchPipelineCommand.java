package dev.invariant.cli.bench;

import dev.invariant.cli.StackCommand;
import dev.invariant.cli.WorkDirLock;
import dev.invariant.cli.WorkerProcess;
import dev.invariant.stack.EmbeddedStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Load through the whole pipeline on the embedded stack: a bare broker round trip (an echo service in a JVM of its
 * own, same two hops) and the worker, under one fixed request rate, in alternating windows of one run ({@link WindowPlan}) after a
 * warm-up of both; the worker's added latency is the difference of the two. The worker's resident memory is
 * sampled every second.
 */
@Command(name = "bench-pipeline", mixinStandardHelpOptions = true,
        description = "Throughput, p50/p99 latency, the worker's added latency over a bare broker round trip"
                + " (measured in the same run, in alternating windows) and the worker's RSS and live heap over time,"
                + " on the embedded stack.")
public final class BenchPipelineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "20", description = "Requests per second (default 20).")
    double rate;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "30",
            description = "Measured seconds of the pipeline (default 30), after the warm-up.")
    int duration;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "1",
            description = "Tokens generated per request (default 1: the worker's own cost stands out).")
    int maxTokens;

    @Option(names = "--model", paramLabel = "MODEL", description = "Model of the worker (default ../shared/models/stories260K).")
    String model;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "auto",
            description = "Worker CPU threads: auto (by the model's size, the worker's default), 0 (all cores) or a count"
                    + " (default: ${DEFAULT-VALUE}).")
    String threads;

    @Option(names = "--bare-duration", paramLabel = "SECONDS",
            description = "Measured seconds of the bare broker round trip (default: --duration); a soak needs only a"
                    + " minute of it. Its windows alternate with the pipeline's until it is spent.")
    Integer bareDuration;

    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds of each measured window; bare and pipeline windows alternate, one progress line"
                    + " each: p50/p99 of that window, worker RSS, live heap, load (default 5).")
    int every;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds of unmeasured load before the windows, alternating between both paths in 1 s"
                    + " slices (default 10); then the run waits for every warm-up answer.")
    int warmup;

    @Option(names = "--warmup-rate", paramLabel = "R", defaultValue = "500",
            description = "Requests per second during the warm-up (default 500, or --rate if higher): enough calls"
                    + " for the JIT to compile the per-request code of the client, the echo and the worker.")
    double warmupRate;

    @Option(names = "--echo-in-broker-jvm", description = "Run the echo service on a thread of the benchmark's JVM,"
            + " which also hosts the broker (the bare path before 2026-12-02 16:40), instead of in a JVM of its own as"
            + " the worker runs: its Kafka client then shares the broker's compiled code and crosses no process.")
    boolean echoInBrokerJvm;

    @Option(names = "--worker-property", paramLabel = "KEY=VALUE",
            description = "A setting of the worker (repeatable), over the benchmark's own, e.g."
                    + " invariant.threads=1.")
    Map<String, String> workerProperties = new LinkedHashMap<>();

    @Option(names = "--worker-jvm-option", paramLabel = "OPTION",
            description = "A JVM option of the worker (repeatable), e.g. -XX:AOTCache=worker.aot.")
    List<String> workerJvmOptions = new ArrayList<>();

    @Option(names = "--series", paramLabel = "FILE",
            description = "Also append each window's line to this CSV file (phase, elapsed, p50, p99, RSS, load,"
                    + " live heap), e.g. for bench/soak/SoakPlot.java.")
    Path series;

    @Override
    public Integer call() throws Exception {
        int bareSeconds = bareDuration == null ? duration : bareDuration;
        if (rate <= 0 || duration <= 0 || maxTokens <= 0 || bareSeconds <= 0 || every <= 0 || warmup < 0
                || warmupRate <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate, --duration, --bare-duration, --every,"
                    + " --warmup-rate and --max-tokens must be positive and --warmup not negative, e.g. --rate 20"
                    + " --duration 30");
        }
        Path root = Path.of(System.getProperty("invariant.root", ".")).toAbsolutePath().normalize();
        Path dir = root.resolve(".invariant/bench-pipeline-load");
        try (var lock = WorkDirLock.claim(dir, "bench-pipeline", false)) {
            return run(root, dir, bareSeconds);
        }
    }

    private int run(Path root, Path dir, int bareSeconds) throws Exception {
        deleteTree(dir);
        String modelPath = model != null ? model : root.resolve("../shared/models/stories260K").normalize().toString();
        double warmRate = Math.max(rate, warmupRate);
        System.out.printf("bench-pipeline: rate %.1f/s, %d s bare + %d s pipeline in alternating %d s windows after"
                        + " %d s of warm-up at %.0f/s, max_tokens %d, model %s, echo %s, load %.2f%n", rate, bareSeconds,
                duration, every, warmup, warmRate, maxTokens, modelPath, echoInBrokerJvm ? "in the broker's JVM"
                        : "in its own JVM", LoadSeries.load1());
        if (!workerProperties.isEmpty() || !workerJvmOptions.isEmpty()) {
            System.out.printf("worker settings %s, JVM options %s%n", workerProperties, workerJvmOptions);
        }
        try (EmbeddedStack stack = StackCommand.start(dir.resolve("stack"), 0, 0, 1)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(EchoRoundTrip.REQUESTS, 1, (short) 1),
                        new NewTopic(EchoRoundTrip.REPLIES, 1, (short) 1))).all().get();
            }
            var props = new LinkedHashMap<>(Map.of("kafka.bootstrap.servers", stack.bootstrapServers(),
                    "invariant.registry.url", stack.ccompatUrl(), "invariant.model", modelPath,
                    "invariant.threads", threads, "invariant.worker-id", "bench-worker",
                    "invariant.diagnostics.send-stamp", "true")); // as the echo's answers: SendSplit
            props.putAll(workerProperties);
            try (WorkerProcess worker = WorkerProcess.startJar(root, WorkerProcess.jar(root), workerJvmOptions, props,
                    dir.resolve("worker.log"), Duration.ofMinutes(5));
                 var echo = new EchoRoundTrip(stack.bootstrapServers(), stack.ccompatUrl(), maxTokens,
                         !echoInBrokerJvm);
                 var through = new WorkerRoundTrip(stack.bootstrapServers(), stack.ccompatUrl(), maxTokens)) {
                var memory = new WorkerMemory(worker.pid(), worker.baseUrl());
                var run = new Interleaving(echo, through, new LoadSeries(series), memory);
                echo.answersTo(run);
                through.answersTo(run);
                System.out.println("bare broker round trip (echo service) and pipeline through the worker, alternating");
                List<Interleaving.Window> windows = run.run(rate, warmRate, warmup,
                        WindowPlan.of(bareSeconds, duration, every), bareSeconds, duration, every);
                report(run, windows, through.stages(), memory);
                decoding(echo.decoding(), through.decoding());
                split(echo.split(), through.split());
            }
        }
        return 0;
    }

    private void report(Interleaving run, List<Interleaving.Window> windows, Stages stages, WorkerMemory memory) {
        Latencies bare = run.bareAll();
        Latencies e2e = run.pipelineAll();
        System.out.println();
        System.out.printf("%-44s %8s %9s %9s%n", "", "answers", "p50 ms", "p99 ms");
        System.out.printf("%-44s %8d %9.2f %9.2f%n", "bare broker round trip (echo, 2 hops)", bare.count(),
                bare.percentile(50), bare.percentile(99));
        System.out.printf("%-44s %8d %9.2f %9.2f%n", "pipeline: request -> worker -> completion", e2e.count(),
                e2e.percentile(50), e2e.percentile(99));
        stages.print();
        System.out.printf("throughput %.1f completions/s (offered %.1f/s); worker added latency at p50: %.2f ms (pipeline p50 - bare p50),"
                        + " %.2f ms of it outside the engine (minus prefill + decode), %.2f ms in the hops (minus the"
                        + " worker's e2e_ms)%n", run.throughput(false), rate, e2e.percentile(50) - bare.percentile(50),
                stages.withoutEngineP50() - bare.percentile(50), stages.hopsP50() - bare.percentile(50));
        System.out.println(PairedWindows.summary(windows));
        System.out.printf("worker memory: %s; load now %.2f%n", memory.summary(), LoadSeries.load1());
    }

    /** The clients' decoding of the answers, which the round trips include: a Completion is larger than a request. */
    private static void decoding(ClientDecode<?> bare, ClientDecode<?> pipeline) {
        System.out.printf("client's decoding of an answer at p50: %.3f ms (echoed request), %.3f ms (Completion);"
                        + " up to the answer's bytes, before decoding: bare p50 %.2f ms, pipeline p50 %.2f ms, added"
                        + " %.2f ms%n",
                bare.decodeP50(), pipeline.decodeP50(), bare.arrivalP50(), pipeline.arrivalP50(),
                pipeline.arrivalP50() - bare.arrivalP50());
    }

    /** Each path's round trip split at its answer's send, on the monotonic clock (SendSplit). */
    private static void split(SendSplit bare, SendSplit pipeline) {
        if (bare.count() == 0 || pipeline.count() == 0) return;
        System.out.printf("split at the answer's send (monotonic clock, p50 ms): bare: to the send %.3f, from the send"
                        + " %.3f; pipeline: to the send %.3f (inbound %.3f, without the worker's e2e_ms), from the send"
                        + " %.3f; beyond the echo's: inbound %.3f, outbound %.3f%n", bare.toSendP50(),
                bare.fromSendP50(), pipeline.toSendP50(), pipeline.inboundP50(), pipeline.fromSendP50(),
                pipeline.inboundP50() - bare.inboundP50(), pipeline.fromSendP50() - bare.fromSendP50());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
