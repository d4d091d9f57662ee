package dev.invariant.cli.bench;

import dev.invariant.cli.KafkaOptions;
import dev.invariant.cli.StackCommand;
import dev.invariant.cli.WorkerProcess;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.Topics;
import dev.invariant.stack.EmbeddedStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Load through the whole pipeline on the embedded stack: a bare broker round trip (an echo service, same two hops)
 * and then the worker, each at a fixed request rate for the same duration, in one run; the worker's added latency
 * is the difference of the two. The worker's resident memory is sampled every second.
 */
@Command(name = "bench-pipeline", mixinStandardHelpOptions = true,
        description = "Throughput, p50/p99 latency, the worker's added latency over a bare broker round trip"
                + " (measured in the same run) and the worker's RSS over time, on the embedded stack.")
public final class BenchPipelineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rate", paramLabel = "R", defaultValue = "20", description = "Requests per second (default 20).")
    double rate;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "30",
            description = "Seconds of measured load per phase (default 30), after 3 s of warm-up.")
    int duration;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "1",
            description = "Tokens generated per request (default 1: the worker's own cost stands out).")
    int maxTokens;

    @Option(names = "--model", paramLabel = "MODEL", description = "Model of the worker (default ../shared/models/stories260K).")
    String model;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "Worker CPU threads (0 = all cores).")
    int threads;

    @Option(names = "--bare-duration", paramLabel = "SECONDS",
            description = "Seconds of the bare broker round trip (default: --duration); a soak needs only a minute of it.")
    Integer bareDuration;

    @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between progress lines: p50/p99 of that window, worker RSS, load (default 5).")
    int every;

    @Option(names = "--series", paramLabel = "FILE",
            description = "Also append each progress line to this CSV file (phase, elapsed, p50, p99, RSS, load),"
                    + " e.g. for bench/soak-plot.")
    Path series;

    @Override
    public Integer call() throws Exception {
        int bareSeconds = bareDuration == null ? duration : bareDuration;
        if (rate <= 0 || duration <= 0 || maxTokens <= 0 || bareSeconds <= 0 || every <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate, --duration, --bare-duration, --every"
                    + " and --max-tokens must be positive, e.g. --rate 20 --duration 30");
        }
        Path root = Path.of(System.getProperty("invariant.root", ".")).toAbsolutePath().normalize();
        Path dir = root.resolve(".invariant/bench-pipeline-load");
        deleteTree(dir);
        String modelPath = model != null ? model : root.resolve("../shared/models/stories260K").normalize().toString();
        System.out.printf("bench-pipeline: rate %.1f/s, %d s bare + %d s pipeline, max_tokens %d, model %s, load %.2f%n",
                rate, bareSeconds, duration, maxTokens, modelPath, LoadSeries.load1());
        try (EmbeddedStack stack = StackCommand.start(dir.resolve("stack"), 0, 0, 1)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(EchoRoundTrip.REQUESTS, 1, (short) 1),
                        new NewTopic(EchoRoundTrip.REPLIES, 1, (short) 1))).all().get();
            }
            Latencies bare = new Latencies();
            System.out.println("[1/2] bare broker round trip (echo service)");
            try (var echo = new EchoRoundTrip(stack.bootstrapServers())) {
                byte[] payload = new byte[96];
                var window = new LoadSeries("bare", series, null, every);
                new RateDriver(rate, bareSeconds).run(id -> echo.send(id, payload), () -> echo.poll(bare, window),
                        bare, window);
            }
            System.out.println("[2/2] pipeline through the worker");
            Map<String, String> props = Map.of("kafka.bootstrap.servers", stack.bootstrapServers(),
                    "invariant.registry.url", stack.ccompatUrl(), "invariant.model", modelPath,
                    "invariant.threads", String.valueOf(threads), "invariant.worker-id", "bench-worker");
            try (WorkerProcess worker = WorkerProcess.start(root, props, dir.resolve("worker.log"), Duration.ofMinutes(5))) {
                return pipeline(stack, worker, bare);
            }
        }
    }

    private int pipeline(EmbeddedStack stack, WorkerProcess worker, Latencies bare) {
        KafkaOptions kafka = new KafkaOptions();
        kafka.bootstrapServer = stack.bootstrapServers();
        kafka.registryUrl = stack.ccompatUrl();
        Latencies e2e = new Latencies();
        var stages = new Stages();
        Map<String, Long> sent = new ConcurrentHashMap<>();
        var rss = new RssSamples(worker.pid());
        var window = new LoadSeries("pipeline", series, rss, every);
        try (var producer = new KafkaProducer<String, InferenceRequest>(kafka.producer());
             var consumer = new KafkaConsumer<String, Completion>(kafka.consumer(Completion.class, false))) {
            var parts = List.of(new TopicPartition(Topics.COMPLETIONS, 0));
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            String served = ""; // "": whatever the worker serves
            double throughput = new RateDriver(rate, duration).run(id -> {
                sent.put(id, System.nanoTime());
                producer.send(new ProducerRecord<>(Topics.REQUESTS, id, InferenceRequest.newBuilder().setRequestId(id)
                        .setModel(served).setPrompt("Once upon a time").setSampling(Sampling.newBuilder()
                                .setMaxTokens(maxTokens).setTemperature(0f).setIgnoreEos(true).build()).build()));
            }, () -> {
                for (var r : consumer.poll(Duration.ofMillis(100))) {
                    Long at = sent.remove(r.key());
                    if (at == null || !r.key().startsWith("m-")) continue;
                    double ms = (System.nanoTime() - at) / 1e6;
                    e2e.add(ms);
                    window.add(ms);
                    stages.add(ms, System.currentTimeMillis(), r.timestamp(), r.value());
                }
            }, e2e, window);
            report(bare, e2e, stages, rss, throughput);
        }
        return 0;
    }

    private void report(Latencies bare, Latencies e2e, Stages stages, RssSamples rss, double throughput) {
        System.out.println();
        System.out.printf("%-44s %8s %9s %9s%n", "", "answers", "p50 ms", "p99 ms");
        System.out.printf("%-44s %8d %9.2f %9.2f%n", "bare broker round trip (echo, 2 hops)", bare.count(),
                bare.percentile(50), bare.percentile(99));
        System.out.printf("%-44s %8d %9.2f %9.2f%n", "pipeline: request -> worker -> completion", e2e.count(),
                e2e.percentile(50), e2e.percentile(99));
        stages.print();
        System.out.printf("throughput %.1f completions/s (offered %.1f/s); worker added latency at p50: %.2f ms (pipeline p50 - bare p50),"
                        + " %.2f ms of it outside the engine (minus prefill + decode)%n", throughput, rate,
                e2e.percentile(50) - bare.percentile(50), stages.withoutEngineP50() - bare.percentile(50));
        System.out.printf("worker RSS: %s; load now %.2f%n", rss.summary(), LoadSeries.load1());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
