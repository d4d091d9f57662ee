package dev.invariant.cli;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.LogitProcessors;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.structured.StructuredOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Sampling options shared by the commands that send requests; the defaults are vLLM's. */
final class SamplingOptions {
    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64",
            description = "Tokens to generate at most; 0: as many as the model's context holds (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            description = "0 = greedy, ties go to the lowest token id (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Keep the K most likely tokens; 0 disables.")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Nucleus sampling mass in (0, 1]; 1 disables.")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0", description = "Drop tokens below P × the top probability; 0 disables.")
    float minP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1", description = "HF/vLLM repetition penalty; 1 disables.")
    float repetitionPenalty;

    @Option(names = "--presence-penalty", paramLabel = "X", defaultValue = "0", description = "OpenAI presence penalty in [-2, 2].")
    float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "X", defaultValue = "0", description = "OpenAI frequency penalty in [-2, 2].")
    float frequencyPenalty;

    @Option(names = "--seed", paramLabel = "S",
            description = "Sampling seed. Without one, the seed derives from the request id (and is reported).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop string (repeatable); the text ends before it.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--stop-token-id", paramLabel = "ID", description = "Token id that ends generation (repeatable).")
    List<Integer> stopTokenIds = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating through end-of-sequence tokens.")
    boolean ignoreEos;

    @Option(names = "--include-stop-str-in-output", description = "Keep the stop string, or the text of the EOS or"
            + " --stop-token-id token, that ended the text (vLLM's include_stop_str_in_output).")
    boolean includeStopStrInOutput;

    @Option(names = "--keep-special-tokens", description = "Special tokens (EOS, chat markers) add their text"
            + " (vLLM's skip_special_tokens false).")
    boolean keepSpecialTokens;

    @Option(names = "--min-tokens", paramLabel = "N", defaultValue = "0",
            description = "Tokens to generate before EOS, --stop-token-id or a --stop string may end the text (vLLM's"
                    + " min_tokens; default: ${DEFAULT-VALUE}).")
    int minTokens;

    @Option(names = "--logit-bias", paramLabel = "ID=BIAS",
            description = "Add BIAS (-100 to 100) to token ID's logit before sampling (OpenAI's logit_bias; repeatable).")
    Map<String, String> logitBias = new LinkedHashMap<>();

    @Option(names = "--allowed-token-ids", paramLabel = "ID", split = ",",
            description = "Only these token ids can be generated, e.g. 5,17,42 (vLLM's allowed_token_ids).")
    List<Integer> allowedTokenIds;

    @Option(names = "--guided-choice", paramLabel = "TEXT",
            description = "The output must be one of these (repeatable; vLLM's guided_choice).")
    List<String> guidedChoice;

    @Option(names = "--guided-regex", paramLabel = "REGEX",
            description = "The whole output must match REGEX (vLLM's guided_regex; docs/requests.md gives the syntax).")
    String guidedRegex;

    @Option(names = "--guided-grammar", paramLabel = "GRAMMAR",
            description = "The output must be in the language of GRAMMAR, GBNF / EBNF rules with root the start rule"
                    + " (e.g. 'root ::= \"yes\" | \"no\"'): the grammar itself, or a file holding it (vLLM's"
                    + " guided_grammar; docs/requests.md gives the syntax).")
    String guidedGrammar;

    @Option(names = "--guided-json", paramLabel = "SCHEMA",
            description = "The output must be JSON valid against this JSON schema: the schema itself, or a file holding"
                    + " it (vLLM's guided_json).")
    String guidedJson;

    @Option(names = "--response-format", paramLabel = "TYPE",
            description = "json_object: the output must be a JSON object (OpenAI's response_format); text: no"
                    + " constraint.")
    String responseFormat;

    @Option(names = "--use-beam-search", description = "Beam search (vLLM's semantics, deterministic ties; needs"
            + " temperature 0) returning the --n best of --best-of beams.")
    boolean useBeamSearch;

    @Option(names = "--n", paramLabel = "N", defaultValue = "1",
            description = "Outputs to return: beams best first with --use-beam-search, else N independent samples, sample i seeded seed + i (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--best-of", paramLabel = "W", description = "Beam width, >= --n (default: --n).")
    Integer bestOf;

    @Option(names = "--length-penalty", paramLabel = "X", defaultValue = "1",
            description = "Beam score = cumulative log-probability / length^X (default: ${DEFAULT-VALUE}).")
    float lengthPenalty;

    @Option(names = "--early-stopping", paramLabel = "WHEN", defaultValue = "false",
            description = "When a beam search stops: true, false or never (vLLM's early_stopping; default: ${DEFAULT-VALUE}).")
    String earlyStopping;

    @Option(names = "--logprobs", paramLabel = "N",
            description = "Also report each generated token's log-probability and the N (0-20) most likely"
                    + " alternatives; not part of the fingerprint.")
    Integer logprobs;

    /** -1 when --logprobs was not given (the engine's "none"). */
    int logprobs() {
        return logprobs == null ? -1 : logprobs;
    }

    @Option(names = "--prompt-logprobs", paramLabel = "N",
            description = "Also report each prompt token's log-probability (from the second token on) and the N (0-20)"
                    + " most likely alternatives (vLLM's prompt_logprobs); the whole prompt is computed, no prefix-cache"
                    + " hit; not part of the fingerprint.")
    Integer promptLogprobs;

    /** -1 when --prompt-logprobs was not given. */
    int promptLogprobs() {
        return promptLogprobs == null ? -1 : promptLogprobs;
    }

    SamplingParams.Builder builder() {
        return SamplingParams.builder().maxTokens(maxTokens).temperature(temperature).topK(topK).topP(topP)
                .minP(minP).repetitionPenalty(repetitionPenalty).presencePenalty(presencePenalty)
                .frequencyPenalty(frequencyPenalty).seed(seed).stop(stop).stopTokenIds(stopTokenIds)
                .ignoreEos(ignoreEos).n(n).bestOf(bestOf).useBeamSearch(useBeamSearch).lengthPenalty(lengthPenalty)
                .earlyStopping(SamplingParams.EarlyStopping.parse(earlyStopping)).minTokens(minTokens)
                .logitBias(LogitProcessors.logitBias(biases())).allowedTokenIds(allowedTokenIds)
                .includeStopStrInOutput(includeStopStrInOutput).skipSpecialTokens(!keepSpecialTokens)
                .structuredOutput(structuredOutput());
    }

    /** The one structured output the options ask for, or null; two at once are refused, as in JSON. */
    private StructuredOutput structuredOutput() {
        List<String> given = new ArrayList<>();
        if (guidedChoice != null) given.add("guided_choice");
        if (guidedGrammar != null) given.add("guided_grammar");
        if (guidedJson != null) given.add("guided_json");
        if (guidedRegex != null) given.add("guided_regex");
        if (responseFormat != null && !responseFormat.equals("text")) given.add("response_format");
        if (given.size() > 1) {
            throw EngineException.invalid(given.get(1), given.get(1) + ": --" + String.join(" and --", given)
                    .replace('_', '-') + " are given: give at most one structured output");
        }
        if (given.isEmpty()) return null;
        return switch (given.getFirst()) {
            case "guided_choice" -> StructuredOutput.choice("guided_choice", guidedChoice);
            case "guided_regex" -> StructuredOutput.regex("guided_regex", guidedRegex);
            case "guided_grammar" -> StructuredOutput.grammar("guided_grammar", grammarText());
            case "guided_json" -> StructuredOutput.jsonSchema("guided_json", schemaText());
            default -> {
                if (!responseFormat.equals("json_object")) {
                    throw EngineException.invalid("response_format", "response_format: --response-format must be text"
                            + " or json_object"
                            + " (a JSON schema goes to --guided-json), got " + responseFormat);
                }
                yield StructuredOutput.jsonObject();
            }
        };
    }

    /** --guided-grammar's grammar: the text itself when it has a rule ({@code ::=}), else the file it names. */
    private String grammarText() {
        if (guidedGrammar.contains("::=")) return guidedGrammar;
        try {
            return Files.readString(Path.of(guidedGrammar));
        } catch (IOException | RuntimeException e) {
            throw EngineException.invalid("guided_grammar", "guided_grammar: --guided-grammar " + guidedGrammar
                    + " is neither a grammar (no '::=') nor a readable file (" + e.getClass().getSimpleName()
                    + "): give the grammar or its file");
        }
    }

    /** --guided-json's schema: the text itself when it starts as JSON does, else the file it names. */
    private String schemaText() {
        String s = guidedJson.strip();
        if (s.startsWith("{") || s.startsWith("[")) return s;
        try {
            return Files.readString(Path.of(guidedJson));
        } catch (IOException | RuntimeException e) {
            throw EngineException.invalid("guided_json", "guided_json: --guided-json " + guidedJson + " is neither a"
                    + " JSON schema nor a readable file (" + e.getClass().getSimpleName() + "): give the schema or its"
                    + " file");
        }
    }

    /** --logit-bias values as JSON's are read: the decimal's binary64 value rounded once to binary32. */
    private Map<String, Float> biases() {
        Map<String, Float> out = new LinkedHashMap<>();
        logitBias.forEach((id, bias) -> {
            try {
                out.put(id, (float) Double.parseDouble(bias));
            } catch (NumberFormatException e) {
                throw EngineException.invalid("logit_bias", "logit_bias: the bias in --logit-bias " + id + "=" + bias
                        + " must be a number between -100 and 100");
            }
        });
        return out;
    }
}
