package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.openai.OpenAiResponses.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The request contract's OpenAI mapping: a {@code /v1/completions} or {@code /v1/chat/completions} body as an
 * engine Request plus what only concerns the HTTP answer (streaming, usage chunk, echo, the logprobs shape).
 * Sampling and prompt fields go through {@link JsonRequests}, the JSON mapping the CLI's files use too, so types
 * are checked strictly: a wrongly typed value is a 400 naming the field. Defaults are OpenAI's and vLLM's
 * (temperature 1; max_tokens 16 for completions, the rest of the context for chat). Unknown fields are ignored, as vLLM does, because OpenAI's SDKs send fields (e.g. {@code store},
 * {@code metadata}) that do not concern generation. Without a {@code seed}, a sampled request's seed derives from its
 * generated id, so only greedy or seeded requests are reproducible.
 */
public final class OpenAiRequests {
    private OpenAiRequests() {
    }

    /**
     * One call as the resource serves it.
     *
     * @param requests     one engine request per prompt: OpenAI's batch form ({@code prompt} an array of prompts) gives
     *                     several, with the ids {@code <id>-0}, {@code <id>-1}, ... and the same parameters
     * @param model        the model name the caller gave (empty when none)
     * @param includeUsage {@code stream_options.include_usage}: a last chunk with the usage and no choices
     * @param echo         completions only: the prompt's text is put before the generated text
     * @param promptLogprobs vLLM's {@code prompt_logprobs}: the alternatives its answer shows per prompt token, -1
     *                     when not asked for (the engine request may compute more, for echo's logprobs)
     * @param scoreOnly    completions' {@code echo} with {@code max_tokens} 0: the engine runs max_tokens 1 and the
     *                     answer shows the prompt alone ({@link OpenAiPrompts#promptOnly})
     * @param includeReasoning vLLM's chat {@code include_reasoning} (default true): false leaves the reasoning a
     *                     reasoning parser reads out of the answer off it (docs/requests.md, Reasoning)
     * @param returnTokenIds vLLM's {@code return_token_ids}: the answer carries the prompt's and each choice's token ids
     * @param tokensAsIds  vLLM's {@code return_tokens_as_token_ids}: log-probabilities name each token
     *                     {@code "token_id:<id>"}, not by its text (which may not be valid UTF-8 on its own or may be
     *                     another token's too)
     * @param continuousUsage vLLM's {@code stream_options.continuous_usage_stats} (with include_usage): every chunk
     *                     carries its choice's usage so far
     */
    public record Call(Kind kind, List<Request> requests, String model, boolean stream, boolean includeUsage,
                       boolean echo, int promptLogprobs, boolean scoreOnly, boolean includeReasoning,
                       boolean returnTokenIds, boolean tokensAsIds, boolean continuousUsage) {
        public Call {
            requests = List.copyOf(requests);
        }

        /** The first (for one prompt, the only) request. */
        public Request request() {
            return requests.getFirst();
        }
    }

    /** The longest request id a client may choose (it is a Kafka key and in every record of the request). */
    static final int MAX_ID_LENGTH = 256;

    /**
     * A request's id as vLLM makes it: {@code prefix} and the client's own id, the {@code X-Request-Id} header or else
     * the body's {@code request_id}, or a random UUID when it gives neither. A client's id lets it find its answer's
     * records on the topics; it need not be unique.
     */
    static String id(String prefix, String header, JsonNode body) {
        String own = header != null && !header.isBlank() ? header
                : JsonFields.of(body).string("request_id").orElse(null);
        if (own == null || own.isEmpty()) return prefix + UUID.randomUUID();
        if (own.length() > MAX_ID_LENGTH) {
            throw EngineException.invalid("request_id", "the request id (X-Request-Id or request_id) has "
                    + own.length() + " characters; at most " + MAX_ID_LENGTH + " are allowed");
        }
        return prefix + own;
    }

    public static Call parse(Kind kind, String id, JsonNode body, EngineService engine) {
        JsonFields f = JsonFields.of(body);
        String model = model(f, engine);
        f.string("numerics_profile").ifPresent(p -> {
            NumericsProfile wanted;
            try {
                wanted = NumericsProfile.fromWire(p);
            } catch (EngineException e) {
                throw EngineException.invalid("numerics_profile", e.getMessage());
            }
            if (wanted != engine.profile()) {
                throw EngineException.invalid("numerics_profile", "this worker runs the '"
                        + engine.profile().wireName() + "' numerics profile, not '" + p + "'");
            }
        });
        f.string("user"); // OpenAI's end-user id: accepted (type-checked), not used
        refuseUnsupported(f);
        boolean stream = f.bool("stream").orElse(false);
        boolean includeUsage = false;
        boolean continuousUsage = false;
        if (f.has("stream_options")) {
            if (!stream) {
                throw EngineException.invalid("stream_options", "stream_options is only allowed when stream is true");
            }
            JsonNode so = f.value("stream_options").orElseThrow();
            if (!so.isObject()) throw f.wrongType("stream_options", "an object", so);
            var options = new JsonFields(so, "stream_options.");
            includeUsage = options.bool("include_usage").orElse(false);
            continuousUsage = includeUsage && options.bool("continuous_usage_stats").orElse(false);
        }
        // OpenAI's and vLLM's defaults: completions 16 tokens; chat as many as the context holds after the prompt.
        SamplingParams.Builder defaults = SamplingParams.builder().temperature(1f)
                .maxTokens(kind == Kind.CHAT ? SamplingParams.UP_TO_CONTEXT : 16);
        SamplingParams params = JsonRequests.sampling(f, defaults);
        boolean echo = kind == Kind.COMPLETION && f.bool("echo").orElse(false);
        // OpenAI's legacy (and vLLM's) way to score a prompt: echo with max_tokens 0, which on completions can only be
        // explicit (the default is 16). The engine generates one token that the answer does not show.
        boolean scoreOnly = echo && params.maxTokens() == SamplingParams.UP_TO_CONTEXT;
        if (scoreOnly) params = params.withMaxTokens(1);
        List<Prompt> prompts;
        int logprobs;
        if (kind == Kind.CHAT) {
            refuseUnsupportedChat(f);
            Prompt.Chat chat = JsonRequests.chat(f);
            prompts = List.of(chat);
            logprobs = chatLogprobs(f);
            params = JsonTools.constrain(chat, params);
        } else {
            prompts = JsonRequests.completionPrompts(f);
            logprobs = f.integer("logprobs").orElse(-1);
            if (JsonTools.choice(f, JsonTools.tools(f)).mode() != JsonTools.Mode.NONE) {
                throw EngineException.invalid("tools", "tools are read on /v1/chat/completions, whose chat template"
                        + " shows them to the model; a completions prompt is the model's text as it is");
            }
            if (f.has("suffix")) {
                throw EngineException.invalid("suffix", "suffix (insertion) is not supported by this server");
            }
        }
        if (logprobs < -1 || logprobs > Request.MAX_LOGPROBS) {
            String field = kind == Kind.CHAT ? "top_logprobs" : "logprobs";
            throw EngineException.invalid(field, field + " must be between 0 and " + Request.MAX_LOGPROBS
                    + ", got " + logprobs);
        }
        int shown = JsonRequests.promptLogprobs(f);
        refuseStreamed(stream, shown >= 0);
        // Echo's logprobs list the prompt's tokens too: one engine computation serves both, with the larger number of
        // alternatives (the top N are a prefix of the top M ≥ N). A value below -1 goes to the Request to be refused.
        int promptN = echo && logprobs >= 0 && shown >= -1 ? Math.max(shown, logprobs) : shown;
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            requests.add(new Request(prompts.size() == 1 ? id : id + "-" + i, prompts.get(i), params, 0L, logprobs,
                    promptN));
        }
        boolean includeReasoning = kind != Kind.CHAT || f.bool("include_reasoning").orElse(true);
        return new Call(kind, requests, model, stream, includeUsage, echo, shown, scoreOnly, includeReasoning,
                f.bool("return_token_ids").orElse(false), f.bool("return_tokens_as_token_ids").orElse(false),
                continuousUsage);
    }

    /**
     * vLLM's prompt_logprobs is not streamed (vLLM refuses it too); echo with logprobs is: the prompt's tokens are
     * listed in each choice's echo chunk, as vLLM streams them.
     */
    private static void refuseStreamed(boolean stream, boolean promptLogprobs) {
        if (stream && promptLogprobs) {
            throw EngineException.invalid("prompt_logprobs", "prompt_logprobs is not streamed by this server (nor by"
                    + " vLLM): send stream false, or ask for the prompt's log-probabilities with echo and logprobs");
        }
    }

    /** The {@code model} the caller named (empty when none), which must be the one this worker serves. */
    static String model(JsonFields f, EngineService engine) {
        String model = f.string("model").orElse("");
        if (!engine.serves(model)) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "model", "the model '" + model
                    + "' does not exist here: this worker serves '" + engine.modelName() + "' (GET /v1/models)");
        }
        return model;
    }

    /**
     * vLLM's sampling extensions that this server does not implement, each with the value that changes nothing
     * (null: only absent or null does). vLLM honours them, so ignoring one would answer otherwise than the caller
     * expects; but clients (the openai SDK, LangChain) send the neutral values, so those pass. Sorted, so a request
     * with several is always told about the same one.
     */
    private static final Map<String, JsonNode> VLLM_ONLY = new TreeMap<>(Map.ofEntries(
            Map.entry("bad_words", JsonNodeFactory.instance.arrayNode()),
            Map.entry("spaces_between_special_tokens", BooleanNode.TRUE),
            Map.entry("truncate_prompt_tokens", NullNode.instance),
            Map.entry("guided_decoding_backend", NullNode.instance),
            Map.entry("guided_whitespace_pattern", NullNode.instance)));

    /**
     * vLLM's chat extensions not served here, which would change the prompt or the answer: another template, special
     * tokens added to the rendered text, the last message echoed. Ignoring one would run a prompt other than the
     * caller's; the neutral values pass. (add_generation_prompt, continue_final_message, chat_template_kwargs and
     * documents are read with the messages: JsonRequests.chat.)
     */
    private static final Map<String, JsonNode> VLLM_CHAT_ONLY = new TreeMap<>(Map.ofEntries(
            Map.entry("add_special_tokens", BooleanNode.FALSE),
            Map.entry("echo", BooleanNode.FALSE),
            Map.entry("chat_template", NullNode.instance)));

    /**
     * Features a client would otherwise believe were honoured: OpenAI's legacy {@code functions} (its {@code tools}
     * are read, JsonTools), vLLM's extensions (structured outputs are read with the sampling fields,
     * JsonStructuredOutputs, which refuses structural tags). Refused with a 400 naming the field rather than silently ignored;
     * their empty or neutral forms pass.
     */
    static void refuseUnsupported(JsonFields f) {
        refuseUnlessNeutral(VLLM_ONLY, f);
        for (String name : new String[] {"functions", "function_call"}) {
            f.value(name).ifPresent(v -> {
                if (!v.isEmpty() && !v.isTextual()) {
                    throw EngineException.invalid(name, "'" + name + "' (OpenAI's deprecated function calling) is not"
                            + " supported by this server: send the functions as 'tools' and 'tool_choice'");
                }
            });
        }
    }

    /** {@link #refuseUnsupported}'s chat extensions ({@code /v1/chat/completions} only). */
    static void refuseUnsupportedChat(JsonFields f) {
        refuseUnlessNeutral(VLLM_CHAT_ONLY, f);
    }

    private static void refuseUnlessNeutral(Map<String, JsonNode> neutrals, JsonFields f) {
        neutrals.forEach((name, neutral) -> f.value(name).ifPresent(v -> {
            if (!(v.isNumber() && neutral.isNumber() ? v.doubleValue() == neutral.doubleValue() : v.equals(neutral))) {
                throw EngineException.invalid(name, "'" + name + "' is not supported by this server: remove it"
                        + (neutral.isNull() ? "" : " or send " + neutral));
            }
        }));
    }

    /** Chat's {@code logprobs: true} with {@code top_logprobs: N} alternatives; -1 when not asked for. */
    private static int chatLogprobs(JsonFields f) {
        boolean on = f.bool("logprobs").orElse(false);
        var top = f.integer("top_logprobs");
        if (top.isPresent() && !on) {
            throw EngineException.invalid("top_logprobs", "top_logprobs needs logprobs set to true");
        }
        return on ? top.orElse(0) : -1;
    }
}
