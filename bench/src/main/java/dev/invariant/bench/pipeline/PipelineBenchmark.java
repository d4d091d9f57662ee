package dev.invariant.bench.pipeline;

import dev.invariant.cli.KafkaOptions;
import dev.invariant.cli.StackCommand;
import dev.invariant.cli.WorkerProcess;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.stack.EmbeddedStack;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Pipeline overhead: the same requests, with the same arrival pattern and the same engine settings, sent to the
 * engine called directly in this JVM (A) and through Kafka to the packaged inference worker (B), alternating
 * A/B per repeat in one run. Prints every trial and a summary as Markdown.
 */
@Command(name = "pipeline-benchmark", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Completions/s and p50/p99 end-to-end latency through Kafka (embedded broker + registry, the",
                "packaged worker) against the engine called directly, same model and settings, alternating A/B.",
                "Build first: ./mvnw -q -B -o install -DskipTests"})
public final class PipelineBenchmark implements Callable<Integer> {
    private static final String SERVED_NAME = "bench-model";

    @Option(names = "--model", paramLabel = "MODEL", defaultValue = "../shared/models/stories260K",
            description = "Model folder, hub id or synthetic:NAME (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "256", description = "Requests per trial (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "32",
            description = "Tokens generated per request, EOS ignored (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Engine CPU threads, both sides (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "64",
            description = "Sequences per engine step, both sides (default: ${DEFAULT-VALUE}, the worker's default).")
    int maxBatch;

    @Option(names = "--arrival", paramLabel = "PATTERN", split = ",", defaultValue = "all,half",
            description = {"Load shapes, comma-separated: 'all' (every request at once), a rate in requests/s (open",
                    "loop), 'half' (open loop at half the engine's measured all-at-once capacity) (default: ${DEFAULT-VALUE})."})
    List<String> arrivals;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "Measured A/B pairs per shape (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2",
            description = "Unmeasured all-at-once passes per side first (JIT, caches) (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--hops", paramLabel = "N", defaultValue = "200",
            description = {"Records of the one-hop probe (produce -> consume, no worker), one every 20 ms after the",
                    "warm-up: the broker's own latency on this machine; as many idle thread round trips follow",
                    "(the machine's wake-up floor); 0 skips both (default: ${DEFAULT-VALUE})."})
    int hops;

    @Option(names = "--worker-property", paramLabel = "KEY=VALUE",
            description = "Extra -D property for the worker (repeatable), e.g. mp.messaging.outgoing.out.linger.ms=0.")
    Map<String, String> workerExtra = new LinkedHashMap<>();

    @Option(names = "--producer-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka property for this client's request producer (repeatable), e.g. linger.ms=0.")
    Map<String, String> producerExtra = new LinkedHashMap<>();

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = ".invariant/bench-pipeline",
            description = "Stack data and the worker log (default: ${DEFAULT-VALUE}).")
    Path workDir;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PipelineBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || maxTokens < 1 || repeats < 1 || warmup < 0 || threads < 1) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "--requests, --max-tokens, --repeats and --threads must"
                    + " be >= 1 and --warmup >= 0");
        }
        List<Arrival> shapes = arrivals.stream().map(Arrival::parse).toList();
        Path root = Path.of(System.getProperty("invariant.root", ".")).toAbsolutePath().normalize();
        Path dir = root.resolve(workDir);
        // The worker's defaults, with this run's threads and batch: both sides schedule identically.
        EngineConfig config = new EngineConfig(model, NumericsProfile.PORTABLE, threads, maxBatch, 2048, 512, 256, 16,
                32768, true);
        Workload workload = new Workload(requests, maxTokens);
        List<Trial> trials = new ArrayList<>();
        long[] hopNs = null;
        long[] wakeNs = null;
        log("starting Kafka and the schema registry in " + dir.resolve("stack"));
        try (EmbeddedStack stack = StackCommand.start(dir.resolve("stack"), 0, 0, 4);
             WorkerProcess worker = WorkerProcess.start(root, workerProperties(stack), dir.resolve("worker.log"),
                     Duration.ofMinutes(5));
             DirectSide direct = new DirectSide(config)) {
            KafkaOptions kafka = new KafkaOptions();
            kafka.bootstrapServer = stack.bootstrapServers();
            kafka.registryUrl = stack.ccompatUrl();
            try (KafkaSide viaKafka = new KafkaSide(kafka, SERVED_NAME, producerExtra)) {
                log("worker pid " + worker.pid() + " ready (log " + worker.log() + "); warming up");
                Arrival all = Arrival.parse(Arrival.ALL);
                CpuMeter cpu = new CpuMeter(worker.pid());
                double capacity = 0;
                for (int w = 0; w < warmup; w++) {
                    capacity = Math.max(capacity, direct.run(workload.build("warm-e" + w), all, w, maxTokens)
                            .completionsPerSecond());
                    viaKafka.run("warm-k" + w, workload.build("warm-k" + w), all, w, maxTokens);
                }
                if (hops > 0) {
                    hopNs = HopProbe.measure(kafka, hops, 20);
                    log("one Kafka hop: " + HopProbe.summary(hopNs));
                    wakeNs = WakeupProbe.measure(hops, 20);
                    log("idle thread round trip: " + WakeupProbe.summary(wakeNs));
                }
                for (Arrival shape : shapes) {
                    if (shape.needsCapacity()) {
                        capacity = Math.max(capacity, bestEngine(trials, all));
                        if (capacity == 0) capacity = direct.run(workload.build("cap"), all, 0, maxTokens).completionsPerSecond();
                        shape = shape.resolve(capacity);
                    }
                    for (int r = 1; r <= repeats; r++) {
                        String tag = "t" + Long.toString(System.nanoTime(), 36);
                        cpu.start();
                        Trial a = cpu.stop(direct.run(workload.build(tag + "e"), shape, r, maxTokens));
                        cpu.start();
                        Trial b = cpu.stop(viaKafka.run(tag + "k", workload.build(tag + "k"), shape, r, maxTokens));
                        trials.add(a);
                        trials.add(b);
                        log(String.format(Locale.ROOT, "%s #%d: engine %.1f/s p50 %.1f ms | kafka %.1f/s p50 %.1f ms",
                                shape.label(), r, a.completionsPerSecond(), a.p50Ms(), b.completionsPerSecond(), b.p50Ms()));
                    }
                }
            }
        }
        print(trials, config, hopNs, wakeNs);
        Path csv = dir.resolve("requests.csv");
        PipelineReport.csv(trials, csv);
        log("per-request numbers in " + csv);
        return PipelineReport.sameOutputs(trials) ? 0 : 1;
    }

    private Map<String, String> workerProperties(EmbeddedStack stack) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("kafka.bootstrap.servers", stack.bootstrapServers());
        p.put("invariant.registry.url", stack.ccompatUrl());
        p.put("invariant.model", model);
        p.put("invariant.served-model-name", SERVED_NAME);
        p.put("invariant.worker-id", "bench-worker");
        p.put("invariant.threads", Integer.toString(threads));
        p.put("invariant.batching.max-batch", Integer.toString(maxBatch));
        p.putAll(workerExtra);
        return p;
    }

    private static double bestEngine(List<Trial> trials, Arrival all) {
        return PipelineReport.best(PipelineReport.of(trials, all, DirectSide.NAME), Trial::completionsPerSecond, true);
    }

    private void print(List<Trial> trials, EngineConfig config, long[] hopNs, long[] wakeNs) {
        var out = System.out;
        out.println();
        out.printf(Locale.ROOT, "Run of %s: model %s, %d requests x %d tokens per trial, engine threads %d, max batch %d,"
                        + " %d warm-up + %d measured A/B pairs per shape, %d CPUs visible; worker extras %s, producer extras %s%n%n",
                Instant.now(), model, requests, maxTokens, config.threads(), config.maxNumSeqs(), warmup, repeats,
                Runtime.getRuntime().availableProcessors(), workerExtra, producerExtra);
        PipelineReport.summary(trials, out);
        out.println();
        PipelineReport.raw(trials, out);
        if (hopNs != null) {
            var h = HopProbe.summary(hopNs);
            out.printf(Locale.ROOT, "%nOne Kafka hop on this broker (produce -> consume, %d records of 200 bytes, no worker,"
                    + " no Avro): p50 %.1f ms, p99 %.1f ms%n", hopNs.length, h.get("p50"), h.get("p99"));
        }
        if (wakeNs != null) {
            out.printf(Locale.ROOT, "%nIdle wake-up floor (a loopback TCP round trip between two threads of this JVM after"
                    + " 20 ms idle, %d samples: two wake-ups, no Kafka): %s%n", wakeNs.length, WakeupProbe.summary(wakeNs));
        }
        out.println();
        out.println(PipelineReport.sameOutputs(trials)
                ? "Output hashes: identical for every request index across all trials and both sides."
                : "Output hashes: DIFFER between trials or sides (a determinism failure: investigate).");
    }

    private static void log(String s) {
        System.err.println("[pipeline] " + s);
    }
}
