package dev.invariant.cli;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Topics;
import dev.invariant.stack.EmbeddedStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code invariant demo}: the whole pipeline on one machine — a real broker and schema registry, the consistency
 * monitor with its dashboard, the inference worker on the CPU engine, and a mixed workload whose repeats must all hash
 * the same.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "Run the whole pipeline here: Kafka, the schema registry, the monitor and its dashboard, workers and"
                + " a workload.",
        description = {"Run the whole pipeline: Kafka, the schema registry, the consistency monitor and its dashboard,"
                + " an inference worker and a mixed workload; then the probe prompt in waves of growing load through the"
                + " portable worker and through a second worker running the naive profile (as conventional engines do).",
                "Sends distinct prompts, repeats of one prompt under changing load and seeded sampling, prints every"
                + " completion with its hash and a summary. Without --once the stack keeps running for you to use"
                + " (produce, consume, the HTTP API)."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--once", description = "Run headless and exit: 0 only when every request got exactly one completion"
            + " and no portable fingerprint had two output hashes (naive ones may: that is what they show).")
    boolean once;

    @Option(names = "--model", paramLabel = "MODEL",
            description = "Model for the worker (default: ../shared/models/stories260K when present, else the hub model"
                    + " HuggingFaceTB/SmolLM2-135M-Instruct, downloaded once).")
    String model;

    @Option(names = "--threads", paramLabel = "N", description = "Worker CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "Worker backend: auto (the GPU when one can run here, else the CPU), cpu or cuda"
                    + " (default: ${DEFAULT-VALUE}). Portable results are the same bits on each.")
    String backend;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "48", description = "Tokens per request (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--no-naive", description = "Do not start the second worker running the naive profile (the comparison"
            + " that shows what batch-dependent arithmetic does to repeated requests).")
    boolean noNaive;

    @Option(names = "--cpu-check", description = "After the workload, re-execute every portable completion on this machine's"
            + " CPU engine and print, per backend that made them, how many hashes equal the CPU's (the end-to-end GPU"
            + " check, bench/device/run e2e); with --once, exit 0 only when all are equal.")
    boolean cpuCheck;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Stack data and logs (default: .invariant/demo).")
    Path workDir;

    static final String PROBE = "Once upon a time, there was a little dog named Max";
    static final List<String> STORIES = List.of("Once upon a time", "The little girl saw a big red ball",
            "Tom and his mom went to the park", "The cat was very hungry", "One day, a bird flew into the garden",
            "Lily wanted to bake a cake", "The sun was shining and", "Ben found a shiny key under his bed");

    @Override
    public Integer call() throws Exception {
        Path root = Path.of(System.getProperty("invariant.root", ".")).toAbsolutePath().normalize();
        Path dir = workDir != null ? workDir : root.resolve(".invariant/demo");
        String modelId = model != null ? model : defaultModel(root);
        String served = servedName(modelId);
        long t0 = System.nanoTime();
        System.out.println("[1/5] starting Kafka and the schema registry (" + dir + ")");
        try (var lock = WorkDirLock.claim(dir, "demo", true);
             EmbeddedStack stack = StackCommand.start(dir.resolve("stack"), 0, 0, 4)) {
            System.out.printf("      kafka %s, registry %s (%.1f s)%n", stack.bootstrapServers(), stack.ccompatUrl(), secs(t0));
            System.out.println("[2/5] starting the consistency monitor (Kafka Streams, dashboard)");
            try (WorkerProcess monitor = MonitorClient.start(root, stack, dir, modelId)) {
                System.out.printf("      dashboard %s/ (pid %d, log %s) (%.1f s)%n", monitor.baseUrl(), monitor.pid(),
                        monitor.log(), secs(t0));
                return runWithWorker(root, dir, stack, monitor, modelId, served, t0);
            }
        }
    }

    private int runWithWorker(Path root, Path dir, EmbeddedStack stack, WorkerProcess monitor, String modelId,
                              String served, long t0) throws InterruptedException {
        System.out.println("[3/5] starting the inference worker, backend " + backend + " (model " + modelId + ")");
        java.util.Map<String, String> props = new java.util.LinkedHashMap<>(Map.of(
                "kafka.bootstrap.servers", stack.bootstrapServers(),
                "invariant.registry.url", stack.ccompatUrl(),
                "invariant.model", modelId,
                "invariant.served-model-name", served,
                "invariant.worker-id", "demo-worker-1"));
        if (threads != null) props.put("invariant.threads", threads.toString());
        props.put("invariant.backend", backend);
        try (WorkerProcess worker = WorkerProcess.start(root, props, dir.resolve("worker.log"), Duration.ofMinutes(10));
             WorkerProcess naive = noNaive ? null : LoadWaves.startNaiveWorker(root, stack, props, dir.resolve("worker-naive.log"))) {
            System.out.printf("      worker %s ready (pid %d, log %s) (%.1f s)%n", worker.baseUrl(), worker.pid(),
                    worker.log(), secs(t0));
            if (naive != null) {
                System.out.printf("      naive worker %s ready (profile naive, topic %s, log %s) (%.1f s)%n",
                        naive.baseUrl(), LoadWaves.NAIVE_REQUESTS, naive.log(), secs(t0));
            }
            KafkaOptions kafka = new KafkaOptions();
            kafka.bootstrapServer = stack.bootstrapServers();
            kafka.registryUrl = stack.ccompatUrl();
            // what earlier runs in this work dir left on the topic: the monitor's figures count those too
            long before = TopicSnapshot.count(kafka, Topics.COMPLETIONS, Duration.ofSeconds(30));
            Summary summary = runWorkload(new Workload(kafka, Topics.REQUESTS), served);
            Summary naiveSummary = new Summary();
            if (naive != null) {
                System.out.println("  -- the probe in waves of growing load (alone, among 3, 15 and 31 others): portable, then naive");
                LoadWaves.run(summary, new Workload(kafka, Topics.REQUESTS), served, Numerics.portable, maxTokens);
                LoadWaves.run(naiveSummary, new Workload(kafka, LoadWaves.NAIVE_REQUESTS), served, Numerics.naive, maxTokens);
            }
            summary.print(System.out, naive == null ? null : "the portable worker's requests (the naive worker's: below)");
            if (naive != null) {
                System.out.println("  per profile                      requests  repeated fingerprints  with 2+ outputs");
                summary.printRow(System.out, "portable");
                naiveSummary.printRow(System.out, "naive (for comparison)");
                System.out.println();
            }
            int seen = summary.completions() + naiveSummary.completions();
            System.out.println("    " + MonitorClient.describe(monitor, before, seen, Duration.ofSeconds(60)));
            System.out.println();
            boolean cpuEqual = true;
            if (cpuCheck) {
                EngineConfig cpu = EngineConfig.defaults(modelId);
                CpuCheck check = CpuCheck.run(kafka, threads != null ? cpu.withThreads(threads) : cpu, System.out);
                check.print(System.out);
                cpuEqual = check.allEqual();
            }
            if (once) {
                System.out.println("[5/5] done: the stack, the monitor and the workers stop now (without --once they keep"
                        + " running, with the dashboard)");
            } else {
                printUrls(worker, monitor, stack);
            }
            // Naive may diverge (that is what it shows); the run passes when portable had none.
            boolean answered = naiveSummary.completions() == naiveSummary.sent() && naiveSummary.errors() == 0;
            if (once) return summary.consistent() && answered && cpuEqual ? 0 : 1;
            System.out.println("The stack, the monitor and the workers keep running: try ./invariant produce --bootstrap-server "
                    + stack.bootstrapServers() + " --registry-url " + stack.ccompatUrl() + " --model " + served
                    + " --wait \"Once upon a time\" and watch the dashboard. Press Ctrl-C to stop.");
            CountDownLatch forever = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
            forever.await();
            return 0;
        }
    }

    private Summary runWorkload(Workload w, String served) {
        Summary s = new Summary();
        SamplingParams greedy = SamplingParams.builder().maxTokens(maxTokens).build();
        SamplingParams seeded = SamplingParams.builder().maxTokens(maxTokens).temperature(0.8f).topP(0.95f).seed(42L).build();
        Random rnd = new Random(2026);
        System.out.println("[4/5] sending the workload; every line: request, output hash, finish reason, text");
        phase(s, w, served, "distinct prompts", requests("story", STORIES, greedy));
        phase(s, w, served, "the probe prompt alone", requests("probe-alone", List.of(PROBE), greedy));
        List<Request> loaded = new ArrayList<>(requests("probe-loaded", List.of(PROBE, PROBE, PROBE, PROBE, PROBE, PROBE,
                PROBE, PROBE), greedy));
        for (int i = 0; i < 24; i++) {
            String p = STORIES.get(rnd.nextInt(STORIES.size())) + " " + STORIES.get(rnd.nextInt(STORIES.size()));
            loaded.add(new Request("load-" + i, Prompt.text(p), greedy));
        }
        java.util.Collections.shuffle(loaded, rnd);
        phase(s, w, served, "the probe ×8 among 24 other requests", loaded);
        List<Request> sampled = new ArrayList<>(requests("seeded", List.of("The little bird", "The little bird",
                "The little bird", "The little bird"), seeded));
        sampled.addAll(requests("noise", STORIES.subList(0, 4), greedy));
        phase(s, w, served, "seeded sampling (temperature 0.8, seed 42) ×4 with others", sampled);
        return s;
    }

    private static List<Request> requests(String prefix, List<String> prompts, SamplingParams p) {
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) out.add(new Request(prefix + "-" + i, Prompt.text(prompts.get(i)), p));
        return out;
    }

    private static void phase(Summary s, Workload w, String served, String title, List<Request> requests) {
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<InferenceRequest> records = new ArrayList<>();
        for (Request r : requests) {
            records.add(RequestRecords.of(new Request(r.requestId() + "-" + run, r.prompt(), r.params()), served,
                    Numerics.portable, false));
        }
        System.out.println("  -- " + title + " (" + records.size() + " requests)");
        long t = System.nanoTime();
        List<Completion> got = w.sendAndAwait(records, null, 600, c -> System.out.println("  " + CompletionJson.line(c)), false);
        s.add(records.size(), got, (System.nanoTime() - t) / 1e9);
    }

    private static void printUrls(WorkerProcess worker, WorkerProcess monitor, EmbeddedStack stack) {
        System.out.println("[5/5] where to look");
        System.out.println("      dashboard              " + monitor.baseUrl() + "/");
        System.out.println("      OpenAI-compatible API  " + worker.baseUrl() + "/v1/completions");
        System.out.println("      Prometheus metrics     " + worker.baseUrl() + "/q/metrics");
        System.out.println("      health                 " + worker.baseUrl() + "/q/health");
        System.out.println("      monitor metrics        " + monitor.baseUrl() + "/q/metrics");
        System.out.println("      kafka / registry       " + stack.bootstrapServers() + "  " + stack.ccompatUrl());
    }

    private static String defaultModel(Path root) {
        Path shared = root.resolve("../shared/models/stories260K").normalize();
        return Files.isDirectory(shared) ? shared.toString() : "HuggingFaceTB/SmolLM2-135M-Instruct";
    }

    private static String servedName(String modelId) {
        String s = modelId.replaceAll("[/\\\\]+$", "");
        int cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        return cut >= 0 && !s.contains(":") ? s.substring(cut + 1) : s;
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
