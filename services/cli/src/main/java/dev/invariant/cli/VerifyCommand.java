package dev.invariant.cli;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code invariant verify}: the proof that a hash can be re-checked without the machine that made it. Reads the
 * completions from the topic (or a file) and re-executes them on this machine's CPU, portable profile, from what each
 * carries (prompt ids, sampling parameters, seed); older completions' parameters come from their requests.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        header = "Re-execute completions on the CPU engine and say whether each one's output hash is reproduced.",
        description = {"Re-execute completions from the completions topic on the CPU engine (portable profile) and say,"
                + " for each, whether it is reproduced: its output hash, and every output's token ids, text and hash as"
                + " the completion states them. The prompt ids, sampling parameters and seed come from the completion"
                + " (from the topic, or a JSONL file of completions); for completions written before they carried their"
                + " parameters, from the request on the requests topic.",
                "Exit code 0 when every verified completion was reproduced, 1 when one was not, 2 when nothing could be"
                + " verified.",
                "With --follow it runs as a service: follows the completions topic (consumer group --group), re-executes"
                + " a sample (--sample-rate, picked by request id) as they come, prints a verdict for each and publishes"
                + " every mismatch as a consistency event to --events-topic."})
final class VerifyCommand implements Callable<Integer> {

    @Option(names = "--request-id", paramLabel = "ID", description = "Verify this request's completion(s) only.")
    String requestId;

    @Option(names = "--sample", paramLabel = "N", description = "Verify N completions picked at random (default: all).")
    Integer sample;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of --sample's pick (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "Verify the completions in this JSONL file (as `consume --format json` prints them) instead of"
                    + " the topic (completions without their sampling parameters: their requests are read from the"
                    + " requests topic).")
    Path file;

    @Option(names = "--completions-topic", paramLabel = "TOPIC", defaultValue = Topics.COMPLETIONS,
            description = "Default: ${DEFAULT-VALUE}.")
    String completionsTopic;

    @Option(names = "--requests-topic", paramLabel = "TOPIC", defaultValue = Topics.REQUESTS,
            description = "Default: ${DEFAULT-VALUE}.")
    String requestsTopic;

    @Option(names = "--follow", description = "Service mode: follow the completions topic and verify as they come.")
    boolean follow;

    @Option(names = "--sample-rate", paramLabel = "R", defaultValue = "1",
            description = "--follow: the fraction of portable completions to re-execute, picked by a hash of the request"
                    + " id so every instance picks the same ones (default: ${DEFAULT-VALUE}).")
    double sampleRate;

    @Option(names = "--group", paramLabel = "ID", defaultValue = "invariant-verifier",
            description = "--follow: consumer group; instances of one group share the partitions (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--events-topic", paramLabel = "TOPIC", defaultValue = Topics.CONSISTENCY,
            description = "--follow: where mismatches are published as consistency events (default: ${DEFAULT-VALUE}).")
    String eventsTopic;

    @Option(names = "--from-beginning", description = "--follow: start at the topic's first completion the group has"
            + " not verified (default: only new ones).")
    boolean fromBeginning;

    @Option(names = "--max", paramLabel = "N", description = "--follow: stop after N verdicts.")
    Integer max;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "--follow: stop when no completion arrived for this long (default: follow forever).")
    Integer idleTimeout;

    @Option(names = "--request-lookback", paramLabel = "SECONDS", defaultValue = "3600",
            description = "--follow: requests are read from this long before the oldest completion to verify, not from"
                    + " the topic's beginning; make it longer than the workers' backlog can get (default: ${DEFAULT-VALUE}).")
    int requestLookback;

    @Option(names = "--request-wait", paramLabel = "SECONDS", defaultValue = "30",
            description = "--follow: how long a completion waits for its request before it is reported not"
                    + " verifiable (default: ${DEFAULT-VALUE}).")
    int requestWait;

    @Option(names = "--read-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long reading the topics may take (default: ${DEFAULT-VALUE}).")
    int readTimeout;

    @Mixin
    EngineOptions engine;

    @Mixin
    KafkaOptions kafka;

    /** The file's completions; a line that is not one is reported, counted in {@code unreadable[0]} and skipped. */
    private List<Completion> readFile(int[] unreadable) throws IOException {
        List<Completion> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            try {
                out.add(CompletionJson.parse(ResultJson.MAPPER.readTree(line)));
            } catch (IOException | IllegalArgumentException e) {
                unreadable[0]++;
                System.err.println("verify: " + file + " line " + (i + 1) + " skipped: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return out;
    }

    @Override
    public Integer call() {
        if (sample != null && sample < 1) {
            System.err.println("verify: --sample must be at least 1");
            return 2;
        }
        if (!"portable".equals(engine.profile)) {
            System.err.println("verify: completions are re-executed with the portable profile; --profile " + engine.profile
                    + " cannot reproduce anything on the CPU");
            return 2;
        }
        if (follow) {
            if (!(sampleRate > 0 && sampleRate <= 1)) {
                System.err.println("verify: --sample-rate must be in (0, 1], got " + sampleRate);
                return 2;
            }
            if (requestLookback < 0 || requestWait < 0) {
                System.err.println("verify: --request-lookback and --request-wait must be 0 or more seconds");
                return 2;
            }
            var service = new VerifyService(kafka, new VerifyService.Settings(completionsTopic, requestsTopic,
                    eventsTopic, group, sampleRate, fromBeginning, max, idleTimeout, requestLookback, requestWait),
                    System.out);
            Runtime.getRuntime().addShutdownHook(new Thread(service::stop, "verify-stop"));
            return service.run(engine.config());
        }
        Duration timeout = Duration.ofSeconds(readTimeout);
        int[] unreadable = {0};
        List<Completion> completions;
        try {
            completions = file != null ? readFile(unreadable)
                    : new ArrayList<>(TopicSnapshot.read(kafka, completionsTopic, Completion.class, timeout, unreadable));
        } catch (IOException e) {
            System.err.println("verify: cannot read " + file + ": " + FileErrors.why(e));
            return 2;
        }
        if (requestId != null) completions.removeIf(c -> !requestId.equals(c.getRequestId()));
        if (sample != null && completions.size() > sample) {
            Collections.shuffle(completions, new Random(seed));
            completions = completions.subList(0, sample);
        }
        Map<String, InferenceRequest> requests = new HashMap<>();
        if (completions.stream().anyMatch(c -> c.getSampling() == null)) { // older completions: their requests say
            for (InferenceRequest r : TopicSnapshot.read(kafka, requestsTopic, InferenceRequest.class, timeout, unreadable)) {
                requests.put(r.getRequestId(), r);
            }
        }
        System.out.printf("verifying %d completion(s) on the CPU engine (%s)%s%n", completions.size(), engine.model,
                unreadable[0] > 0 ? " — " + unreadable[0] + " unreadable record(s) skipped" : "");
        if (completions.isEmpty()) {
            System.out.println(requestId != null ? "no completion for request " + requestId : "no completions to verify");
            return 2;
        }
        var progress = new Progress(System.err, "verify");
        var verdicts = new Reverifier(engine.config()).verify(completions, requests, progress);
        progress.done();
        Map<Reverifier.Status, Integer> counts = new java.util.EnumMap<>(Reverifier.Status.class);
        for (var v : verdicts) {
            counts.merge(v.status(), 1, Integer::sum);
            System.out.printf("  %-14s %s  %s%n", v.status(), v.requestId(), v.detail());
        }
        int ok = counts.getOrDefault(Reverifier.Status.REPRODUCED, 0);
        int bad = counts.getOrDefault(Reverifier.Status.MISMATCH, 0);
        int skipped = counts.getOrDefault(Reverifier.Status.NOT_VERIFIABLE, 0);
        System.out.printf("%nverified %d: %d reproduced, %d mismatched, %d not verifiable%n", ok + bad, ok, bad, skipped);
        if (bad > 0) return 1;
        return ok > 0 ? 0 : 2;
    }
}
