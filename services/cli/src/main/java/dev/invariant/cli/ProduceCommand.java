package dev.invariant.cli;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.Request;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Topics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code invariant produce}: sends requests to the requests topic and, with --wait, prints their completions. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Send prompts to the requests topic; --wait prints their completions.",
                "Records are InferenceRequest (Avro, Confluent wire format).",
                "Prompts come from arguments, a file (text lines or JSONL requests) or stdin ('-')."})
final class ProduceCommand implements Callable<Integer> {

    @Parameters(paramLabel = "PROMPT", arity = "0..*", description = "Prompts; '-' reads one prompt per line from stdin.")
    List<String> prompts = new ArrayList<>();

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
            description = "One request per line: text, or JSON with prompt | messages | prompt_token_ids and sampling fields.")
    Path file;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "Send every prompt N times, each with its own request id (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--rate", paramLabel = "R", description = "Requests per second at most (default: as fast as possible).")
    Double rate;

    @Option(names = "--wait", description = "Wait for every completion and print it as it arrives.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "With --wait: give up after this long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "${env:INVARIANT_MODEL:-stories260K}",
            description = "The model name the worker serves (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--profile", paramLabel = "PROFILE", defaultValue = "portable",
            description = "Numerics profile the request asks for: portable, fast or naive (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--stream", description = "Ask the worker to stream chunks to the chunks topic as well.")
    boolean stream;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "With --wait: text (one line per completion) or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = Topics.REQUESTS,
            description = "Requests topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    SamplingOptions sampling;

    @Override
    public Integer call() throws Exception {
        List<Request> base = readRequests();
        if (base.isEmpty()) throw new EngineException(ErrorCode.EMPTY_PROMPT, "no prompts given: pass PROMPT, --file or '-'");
        if (repeat < 1) throw new EngineException(ErrorCode.INVALID_PARAM, "--repeat must be >= 1");
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<InferenceRequest> records = new ArrayList<>();
        for (int k = 0; k < repeat; k++) {
            for (Request r : base) {
                String id = r.requestId().startsWith("cli-") ? r.requestId() + "-" + run + (repeat > 1 ? "-" + k : "")
                        : r.requestId() + (repeat > 1 ? "-" + k : "");
                records.add(RequestRecords.of(new Request(id, r.prompt(), r.params(), 0L, r.logprobs(), r.promptLogprobs()), model,
                        numerics(), stream));
            }
        }
        Workload w = new Workload(kafka, topic);
        if (!await) {
            w.send(records, rate, Progress.sending(System.err, "produce"));
            System.err.println("sent " + records.size() + " requests to " + topic + " at " + kafka.bootstrap());
            return 0;
        }
        List<Completion> done = w.sendAndAwait(records, rate, timeoutSeconds, c -> {
            if ("json".equals(format)) System.out.println(CompletionJson.of(c));
            else System.out.println(CompletionJson.line(c));
        }, true);
        return done.size() == records.size() && done.stream().allMatch(c -> c.getError() == null) ? 0 : 1;
    }

    private Numerics numerics() {
        try {
            return Numerics.valueOf(profile);
        } catch (IllegalArgumentException e) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "unknown profile '" + profile + "': use portable, fast or naive");
        }
    }

    private List<Request> readRequests() throws Exception {
        List<Request> out = new ArrayList<>();
        if (file != null) out.addAll(PromptsFile.read(file, sampling, "cli-"));
        for (String p : prompts) {
            if (p.equals("-")) {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) out.add(PromptsFile.parse(line.strip(), sampling, "cli-" + out.size()));
                }
            } else {
                out.add(PromptsFile.parse(p, sampling, "cli-" + out.size()));
            }
        }
        return out;
    }
}
