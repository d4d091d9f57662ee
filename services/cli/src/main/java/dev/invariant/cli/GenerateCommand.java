package dev.invariant.cli;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.text.ChatMessage;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code invariant generate}: runs requests on a local engine (CPU, or GPU) and prints results with their hashes. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate on this machine (the CPU engine, or an NVIDIA GPU with --backend cuda); print results with"
                        + " fingerprint and output hash.",
                "A prompts file runs as one continuously batched workload: all its requests share steps."})
final class GenerateCommand implements Callable<Integer> {

    static final class Input {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt, tokenised with the model's tokenizer.")
        String prompt;

        @Option(names = "--prompts-file", paramLabel = "FILE",
                description = "One request per line: plain text, or JSON with prompt | messages | prompt_token_ids,"
                        + " optional request_id and sampling fields (max_tokens, temperature, seed, ...); with messages,"
                        + " the chat's fields (tools, tool_choice, add_generation_prompt, continue_final_message,"
                        + " chat_template_kwargs, documents).")
        Path promptsFile;

        @Option(names = "--chat", paramLabel = "TEXT",
                description = "A user message, rendered with the model's chat template.")
        String chat;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Mixin
    EngineOptions engine;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (the generated text), json (one pretty object per result) or jsonl (one line each)"
                    + " (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() {
        if (!List.of("text", "json", "jsonl").contains(format)) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "--format must be text, json or jsonl");
        }
        List<Request> requests = requests();
        PrintStream out = System.out;
        Progress progress = new Progress(System.err, "generate");
        try (Engine e = Engine.open(engine.config(), System.err::println)) {
            List<GenerationResult> results = e.generateAll(requests, progress::update);
            progress.done();
            int failed = 0;
            for (GenerationResult r : results) {
                if (!r.ok()) failed++;
                print(out, r);
            }
            return failed == 0 ? 0 : 1;
        }
    }

    private List<Request> requests() {
        if (input.promptsFile != null) return PromptsFile.read(input.promptsFile, sampling, "req-");
        Prompt p = input.chat != null ? new Prompt.Chat(List.of(new ChatMessage("user", input.chat)))
                : Prompt.text(input.prompt);
        return List.of(new Request("req-0", p, sampling.builder().build(), 0L, sampling.logprobs(),
                sampling.promptLogprobs()));
    }

    private void print(PrintStream out, GenerationResult r) {
        switch (format) {
            case "json" -> out.println(ResultJson.of(r, engine.model).toPrettyString());
            case "jsonl" -> out.println(ResultJson.of(r, engine.model).toString());
            default -> {
                if (!r.ok()) {
                    System.err.println("error: " + r.requestId() + ": " + r.error().describe());
                    return;
                }
                if (!r.promptLogprobs().isEmpty()) System.err.println(promptLogprobsLine(r));
                if (r.outputs().isEmpty()) {
                    out.println(r.text());
                    System.err.println("[" + r.requestId() + "] finish=" + r.finishReason().wireName() + " tokens="
                            + r.tokenIds().length + " fingerprint=" + r.fingerprint() + " output_hash=" + r.outputHash());
                    return;
                }
                for (var o : r.outputs()) {
                    out.println(o.text());
                    System.err.println("[" + r.requestId() + " #" + o.index() + "] finish=" + o.finishReason().wireName()
                            + " tokens=" + o.tokenIds().length + " cumulative_logprob=" + o.cumulativeLogprob()
                            + " fingerprint=" + r.fingerprint() + " output_hash=" + o.outputHash());
                }
            }
        }
    }

    /** "[id] prompt_logprobs 1:id=lp 2:id=lp ...": position, token and its log-probability (position 0 has none). */
    private static String promptLogprobsLine(GenerationResult r) {
        StringBuilder b = new StringBuilder("[").append(r.requestId()).append("] prompt_logprobs");
        for (int i = 0; i < r.promptLogprobs().size(); i++) {
            var lp = r.promptLogprobs().get(i);
            b.append(' ').append(i + 1).append(':').append(lp.tokenId()).append('=').append(lp.logprob());
        }
        return b.toString();
    }
}
