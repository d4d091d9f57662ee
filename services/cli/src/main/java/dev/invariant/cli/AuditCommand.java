package dev.invariant.cli;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionError;
import dev.invariant.schemas.EngineInfo;
import dev.invariant.schemas.SequenceOutput;
import dev.invariant.schemas.Timings;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.Usage;
import dev.invariant.schemas.consistency.OutputsByFingerprint;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code invariant audit}: sends requests to any OpenAI-compatible server and publishes its answers as
 * {@link Completion}s (engine {@code remote:<host>}), so the consistency monitor watches other engines too.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        header = "Send requests to an OpenAI-compatible server (vLLM, SGLang, ...) and publish its answers for the"
                + " consistency monitor.",
        description = {"Send requests to an OpenAI-compatible server (vLLM, SGLang, llama.cpp, TGI, Invariant's worker),"
                + " repeated at a chosen concurrency, and publish every answer as a Completion (engine remote:<host>,"
                + " fingerprint from the model name, system_fingerprint, prompt and parameters; output hash of the text:"
                + " docs/identity.md) to the completions topic, where the consistency monitor checks them. Prints how many"
                + " distinct answers each repeated request got.",
                "Exit code 0 when every request was answered and published."})
final class AuditCommand implements Callable<Integer> {

    @Parameters(paramLabel = "PROMPT", arity = "0..*", description = "Prompts (text).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--endpoint", paramLabel = "URL", required = true, description = "Base URL of the server, e.g. http://host:8000.")
    String endpoint;

    @Option(names = "--model", paramLabel = "NAME", required = true, description = "Model name the server serves.")
    String model;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Prompts file (as for produce: text or JSON lines).")
    Path file;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "10", description = "Send each prompt N times (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "8", description = "Requests in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Bearer token for the server (default: $OPENAI_API_KEY).")
    String apiKey = System.getenv("OPENAI_API_KEY");

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "300", description = "Per request (default: ${DEFAULT-VALUE}).")
    int requestTimeout;

    @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = Topics.COMPLETIONS, description = "Where answers go (default: ${DEFAULT-VALUE}).")
    String topic;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (repeat < 1 || concurrency < 1) {
            System.err.println("audit: --repeat and --concurrency must be at least 1");
            return 2;
        }
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<Request> base = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) base.add(new Request("p" + i, Prompt.text(prompts.get(i)), sampling.builder().build()));
        if (file != null) base.addAll(PromptsFile.read(file, sampling, "f"));
        if (base.isEmpty()) {
            System.err.println("audit: give prompts as arguments or --file");
            return 2;
        }
        // The answer's identity here is its text, and OpenAiClient sends messages as role, content, name and
        // reasoning only.
        for (Request q : base) {
            if (q.prompt() instanceof Prompt.Chat c && (c.tools() != null
                    || c.messages().stream().anyMatch(m -> !m.toolCalls().isEmpty() || m.toolCallId() != null))) {
                System.err.println("audit: " + q.requestId() + " has tools or tool calls, which audit does not send:"
                        + " audit chats without them");
                return 2;
            }
        }
        String host = URI.create(endpoint).getAuthority();
        var client = new OpenAiClient(endpoint, Duration.ofSeconds(requestTimeout), apiKey);
        List<Request> all = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
            for (Request q : base) all.add(new Request("audit-" + run + "-" + q.requestId() + "-" + r, q.prompt(), q.params()));
        }
        System.out.printf("auditing %s (model %s): %d prompt(s) × %d at concurrency %d → %s%n", endpoint, model,
                base.size(), repeat, concurrency, topic);
        var outputs = new OutputsByFingerprint();
        int errors = 0;
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try (var producer = new KafkaProducer<String, Completion>(kafka.producer())) {
            List<Future<Completion>> pending = new ArrayList<>();
            for (Request q : all) pending.add(pool.submit(() -> toCompletion(q, client.complete(model, q.prompt(), q.params()), host)));
            for (Future<Completion> f : pending) {
                Completion c = f.get();
                producer.send(new ProducerRecord<>(topic, c.getRequestId(), c)).get();
                if (c.getError() != null) {
                    errors++;
                    System.out.println("  " + c.getRequestId() + "  ERROR " + c.getError().getMessage());
                }
                outputs.add(c);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("%n  answers %d (errors %d), distinct fingerprints %d, repeated %d, with 2+ outputs %d%s%n",
                all.size(), errors, outputs.fingerprints(), outputs.repeated(), outputs.divergent(),
                outputs.divergent() == 0 ? "" : "   DIVERGENCE");
        return errors == 0 ? 0 : 1;
    }

    private Completion toCompletion(Request q, OpenAiClient.Answer a, String host) {
        boolean seeded = q.params().isGreedy() || q.params().seed() != null;
        var b = Completion.newBuilder()
                .setRequestId(q.requestId())
                .setModel(model)
                .setEngine(EngineInfo.newBuilder().setName("remote:" + host).setVersion(a.systemFingerprint())
                        .setBackend("remote").setNumericsProfile("unknown").build())
                .setText(a.text())
                .setFinishReason(a.finishReason())
                .setSeed(q.params().seed())
                .setUsage(Usage.newBuilder().setPromptTokens(a.promptTokens()).setCompletionTokens(a.completionTokens()).build())
                .setTimings(Timings.newBuilder().setE2eMs(a.millis()).build())
                .setWorkerId(endpoint)
                .setCreatedAt(Instant.now());
        if (a.error() != null) {
            return b.setError(CompletionError.newBuilder().setCode("REMOTE_ERROR").setMessage(a.error()).build()).build();
        }
        if (a.choices().size() > 1) {
            // n outputs (a beam search): as the worker publishes them, output 0 repeating the fields above.
            List<SequenceOutput> outs = new ArrayList<>();
            for (int i = 0; i < a.choices().size(); i++) {
                var c = a.choices().get(i);
                outs.add(SequenceOutput.newBuilder().setIndex(i).setTokenIds(List.of()).setText(c.text())
                        .setFinishReason(c.finishReason() == null ? "" : c.finishReason())
                        .setOutputHash(RemoteIdentity.outputHash(c.text())).setCumulativeLogprob(c.cumulativeLogprob())
                        .build());
            }
            b.setOutputs(outs);
        }
        return b.setFingerprint(RemoteIdentity.fingerprint(model, a.systemFingerprint(), q.prompt(), q.params(),
                        seeded ? null : q.requestId()))
                .setOutputHash(RemoteIdentity.outputHash(a.text()))
                .build();
    }
}
