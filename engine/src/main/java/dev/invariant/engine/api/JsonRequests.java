package dev.invariant.engine.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.sample.LogitProcessors;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.SamplingParams.EarlyStopping;
import dev.invariant.engine.text.ChatMessage;
import dev.invariant.engine.text.ChatRendering;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The request contract's JSON mapping, shared by the OpenAI-compatible API and the CLI's JSONL prompts files, so
 * a field means the same thing, with the same name and type rules, wherever JSON is written (docs/requests.md).
 * Field names are OpenAI's (with {@code logit_bias}), plus vLLM's sampling extensions ({@code top_k}, {@code min_p},
 * {@code repetition_penalty}, {@code stop_token_ids}, {@code ignore_eos}, {@code min_tokens},
 * {@code allowed_token_ids}, {@code include_stop_str_in_output}, {@code skip_special_tokens}, structured outputs
 * ({@link JsonStructuredOutputs}), and beam search's {@code n}, {@code best_of},
 * {@code use_beam_search}, {@code length_penalty}, {@code early_stopping}) and Invariant's {@code prompt_token_ids}.
 * Defaults come from the caller's builder: each front door has its own (OpenAI's temperature 1, the CLI's options).
 */
public final class JsonRequests {
    /** The sampling fields {@link #sampling} reads. */
    public static final Set<String> SAMPLING_FIELDS = Set.of("temperature", "top_p", "top_k", "min_p",
            "repetition_penalty", "presence_penalty", "frequency_penalty", "max_tokens", "max_completion_tokens",
            "seed", "stop", "stop_token_ids", "ignore_eos", "n", "best_of", "use_beam_search", "length_penalty",
            "early_stopping", "logit_bias", "min_tokens", "allowed_token_ids", "include_stop_str_in_output",
            "skip_special_tokens", "structured_outputs", "guided_choice", "guided_regex", "guided_json",
            "guided_grammar", "response_format");
    /**
     * vLLM engine arguments that people put in requests; they configure the worker, not a request, so a request that
     * carries one is refused with the worker property to set instead (docs/configuration.md).
     */
    public static final java.util.Map<String, String> ENGINE_OPTIONS = java.util.Map.of(
            "kv_cache_dtype", "invariant.kv-cache-dtype",
            "quantization", "invariant.quantization",
            "gpu_memory_utilization", "invariant.gpu-memory-utilization",
            "max_model_len", "invariant.max-model-len");
    /** The fields {@link #chat} reads with the messages: tool calling and how the chat template renders them. */
    public static final Set<String> CHAT_FIELDS = Set.of("tools", "tool_choice", "parallel_tool_calls",
            "add_generation_prompt", "continue_final_message", "chat_template_kwargs", "documents");
    /** The prompt fields {@link #prompt} reads: exactly one must be given. */
    public static final Set<String> PROMPT_FIELDS = Set.of("prompt", "messages", "prompt_token_ids");

    private JsonRequests() {
    }

    /** Applies every sampling field present in {@code f} to {@code b} and validates the result. */
    public static SamplingParams sampling(JsonFields f, SamplingParams.Builder b) {
        for (var e : new java.util.TreeMap<>(ENGINE_OPTIONS).entrySet()) {
            if (f.has(e.getKey())) {
                throw EngineException.invalid(e.getKey(), "'" + e.getKey() + "' is an engine setting, not a request"
                        + " parameter: start the worker with " + e.getValue() + " (or the vLLM spelling "
                        + e.getKey() + ") instead");
            }
        }
        f.number("temperature").ifPresent(b::temperature);
        f.number("top_p").ifPresent(b::topP);
        // vLLM's convention: -1 (like 0) disables top-k.
        f.integer("top_k").ifPresent(k -> b.topK(k == -1 ? 0 : k));
        f.number("min_p").ifPresent(b::minP);
        f.number("repetition_penalty").ifPresent(b::repetitionPenalty);
        f.number("presence_penalty").ifPresent(b::presencePenalty);
        f.number("frequency_penalty").ifPresent(b::frequencyPenalty);
        // OpenAI's newer name wins when both are sent, as in OpenAI's API.
        f.integer("max_tokens").ifPresent(b::maxTokens);
        f.integer("max_completion_tokens").ifPresent(b::maxTokens);
        f.int64("seed").ifPresent(b::seed);
        f.stringOrStrings("stop").ifPresent(b::stop);
        f.integers("stop_token_ids").ifPresent(b::stopTokenIds);
        f.bool("ignore_eos").ifPresent(b::ignoreEos);
        f.numberMap("logit_bias", "an object mapping token ids to biases, e.g. {\"50256\": -100}")
                .ifPresent(m -> b.logitBias(LogitProcessors.logitBias(m)));
        f.integer("min_tokens").ifPresent(b::minTokens);
        f.integers("allowed_token_ids").ifPresent(b::allowedTokenIds);
        f.bool("include_stop_str_in_output").ifPresent(b::includeStopStrInOutput);
        f.bool("skip_special_tokens").ifPresent(b::skipSpecialTokens);
        JsonStructuredOutputs.read(f).ifPresent(b::structuredOutput);
        f.integer("n").ifPresent(b::n);
        f.integer("best_of").ifPresent(b::bestOf);
        f.number("length_penalty").ifPresent(b::lengthPenalty);
        f.value("early_stopping").ifPresent(v -> {
            if (v.isBoolean()) b.earlyStopping(v.booleanValue() ? EarlyStopping.TRUE : EarlyStopping.FALSE);
            else if (v.isTextual()) b.earlyStopping(EarlyStopping.parse(v.textValue()));
            else throw f.wrongType("early_stopping", "true, false or \"never\"", v);
        });
        if (f.bool("use_beam_search").orElse(false)) {
            b.useBeamSearch(true);
            // Beam search is deterministic: without an explicit temperature it gets the 0 it requires.
            if (!f.has("temperature")) b.temperature(0f);
        }
        return b.build();
    }

    /**
     * The other way: {@code p} as the request fields {@link #sampling} reads back to the same parameters, for a
     * client of an OpenAI-compatible server ({@code audit}). {@code max_tokens} (unless "up to the context"),
     * {@code temperature} and {@code top_p} are always written (a server's defaults are not ours); every other field
     * only when it is not the engine's default, so a server that knows only OpenAI's fields is sent only those unless
     * the request needs more.
     */
    public static ObjectNode write(SamplingParams p, ObjectNode body) {
        SamplingParams d = SamplingParams.builder().build();
        if (p.maxTokens() != SamplingParams.UP_TO_CONTEXT) body.put("max_tokens", p.maxTokens());
        body.put("temperature", p.temperature()).put("top_p", p.topP());
        if (p.topK() != d.topK()) body.put("top_k", p.topK());
        if (p.minP() != d.minP()) body.put("min_p", p.minP());
        if (p.repetitionPenalty() != d.repetitionPenalty()) body.put("repetition_penalty", p.repetitionPenalty());
        if (p.presencePenalty() != d.presencePenalty()) body.put("presence_penalty", p.presencePenalty());
        if (p.frequencyPenalty() != d.frequencyPenalty()) body.put("frequency_penalty", p.frequencyPenalty());
        if (p.seed() != null) body.put("seed", p.seed());
        if (!p.stop().isEmpty()) p.stop().forEach(body.putArray("stop")::add);
        if (!p.stopTokenIds().isEmpty()) p.stopTokenIds().forEach(body.putArray("stop_token_ids")::add);
        if (p.ignoreEos()) body.put("ignore_eos", true);
        if (!p.logitBias().isEmpty()) {
            ObjectNode bias = body.putObject("logit_bias");
            p.logitBias().forEach((id, b) -> bias.put(Integer.toString(id), b));
        }
        if (p.minTokens() != d.minTokens()) body.put("min_tokens", p.minTokens());
        if (p.allowedTokenIds() != null) p.allowedTokenIds().forEach(body.putArray("allowed_token_ids")::add);
        if (p.includeStopStrInOutput()) body.put("include_stop_str_in_output", true);
        if (!p.skipSpecialTokens()) body.put("skip_special_tokens", false);
        if (p.structuredOutput() != null) JsonStructuredOutputs.write(p.structuredOutput(), body);
        if (p.n() != d.n()) body.put("n", p.n());
        if (p.bestOf() != p.n()) body.put("best_of", p.bestOf());
        if (p.useBeamSearch()) body.put("use_beam_search", true);
        if (p.lengthPenalty() != d.lengthPenalty()) body.put("length_penalty", p.lengthPenalty());
        switch (p.earlyStopping()) {
            case TRUE -> body.put("early_stopping", true);
            case NEVER -> body.put("early_stopping", EarlyStopping.NEVER.wire);
            case FALSE -> { } // the default
        }
        return body;
    }

    /**
     * {@code prompt_logprobs} (vLLM's name): N alternatives per prompt token, -1 when absent or null; the range is
     * checked where the {@link Request} is built.
     */
    public static int promptLogprobs(JsonFields f) {
        return f.integer("prompt_logprobs").orElse(-1);
    }

    /** The prompt: exactly one of {@code prompt}, {@code messages}, {@code prompt_token_ids}. */
    public static Prompt prompt(JsonFields f) {
        List<String> given = PROMPT_FIELDS.stream().filter(f::has).sorted().toList();
        if (given.isEmpty()) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT, "prompt",
                    "the request has no prompt: give one of prompt, messages or prompt_token_ids");
        }
        if (given.size() > 1) {
            throw EngineException.invalid(given.get(1), "the request gives " + String.join(" and ", given)
                    + ": give exactly one");
        }
        return switch (given.getFirst()) {
            case "messages" -> chat(f);
            case "prompt_token_ids" -> new Prompt.TokenIds(ids(f.integers("prompt_token_ids").orElseThrow()));
            default -> completionPrompt(f);
        };
    }

    /**
     * OpenAI's completions {@code prompt} for one request: a string, an array of one string, or an array of token ids.
     * Several prompts (OpenAI's batch form) are refused here: a Kafka request carries one prompt.
     */
    public static Prompt completionPrompt(JsonFields f) {
        List<Prompt> prompts = completionPrompts(f);
        if (prompts.size() > 1) {
            throw EngineException.invalid("prompt", "'prompt' holds " + prompts.size()
                    + " prompts; a request here carries one: send one request each");
        }
        return prompts.getFirst();
    }

    /**
     * OpenAI's completions {@code prompt} with its batch form: a string, an array of strings, an array of token ids
     * (one prompt), or an array of arrays of token ids; each element is one prompt.
     */
    public static List<Prompt> completionPrompts(JsonFields f) {
        JsonNode p = f.value("prompt").orElseThrow(() -> new EngineException(ErrorCode.EMPTY_PROMPT, "prompt",
                "'prompt' is required"));
        if (p.isTextual()) return List.of(new Prompt.Text(p.textValue()));
        if (p.isArray() && (p.isEmpty() || p.get(0).isNumber())) {
            return List.of(new Prompt.TokenIds(ids(JsonFields.ints(p, "prompt"))));
        }
        if (p.isArray() && p.get(0).isTextual()) {
            List<Prompt> texts = new ArrayList<>();
            for (int i = 0; i < p.size(); i++) {
                if (!p.get(i).isTextual()) throw f.wrongType("prompt[" + i + "]", "a string, as prompt[0]", p.get(i));
                texts.add(new Prompt.Text(p.get(i).textValue()));
            }
            return texts;
        }
        if (p.isArray() && p.get(0).isArray()) {
            List<Prompt> ids = new ArrayList<>();
            for (int i = 0; i < p.size(); i++) ids.add(new Prompt.TokenIds(ids(JsonFields.ints(p.get(i), "prompt[" + i + "]"))));
            return ids;
        }
        throw f.wrongType("prompt", "a string, an array of strings, an array of token ids, or an array of such arrays", p);
    }

    /**
     * OpenAI's chat {@code messages}: {role, content} objects; content is a string or an array of text parts; an
     * assistant turn may carry {@code tool_calls} and {@code reasoning} (and then no content), a tool turn its
     * {@code tool_call_id}, any turn its author's {@code name}. With
     * the request's {@code tools}, {@code tool_choice} and {@code parallel_tool_calls} ({@link JsonTools}).
     */
    public static Prompt.Chat chat(JsonFields f) {
        JsonNode messages = f.value("messages").orElseThrow(() -> new EngineException(ErrorCode.EMPTY_PROMPT,
                "messages", "'messages' is required: an array of {role, content}"));
        if (!messages.isArray()) throw f.wrongType("messages", "an array of {role, content} objects", messages);
        if (messages.isEmpty()) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT, "messages", "'messages' is empty: give at least one");
        }
        var list = new ArrayList<ChatMessage>();
        for (int i = 0; i < messages.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode m = messages.get(i);
            if (!m.isObject()) throw f.wrongType(at, "a {role, content} object", m);
            var mf = new JsonFields(m, at + ".");
            String role = mf.string("role").orElseThrow(() -> EngineException.invalid(at + ".role",
                    "'" + at + ".role' is required"));
            var calls = JsonTools.toolCalls(mf);
            String reasoning = reasoning(mf, at);
            String content = (calls.isEmpty() && reasoning == null) || mf.has("content") ? content(mf, at) : null;
            String callId = mf.string("tool_call_id").orElse(null);
            String name = mf.string("name").orElse(null);
            try {
                list.add(new ChatMessage(role, content, calls, callId, name, reasoning));
            } catch (EngineException e) { // the message's own rules: name the message
                throw new EngineException(e.code(), at, e.getMessage());
            }
        }
        String tools = JsonTools.tools(f);
        return new Prompt.Chat(list, tools, JsonTools.choice(f, tools), f.bool("parallel_tool_calls").orElse(true),
                rendering(f));
    }

    /** vLLM's chat rendering fields: add_generation_prompt, continue_final_message, chat_template_kwargs, documents. */
    private static ChatRendering rendering(JsonFields f) {
        String kwargs = f.value("chat_template_kwargs").map(v -> {
            if (!v.isObject()) throw f.wrongType("chat_template_kwargs", "an object of template variables", v);
            return v.isEmpty() ? null : v.toString();
        }).orElse(null);
        String documents = f.value("documents").map(v -> {
            if (!v.isArray()) throw f.wrongType("documents", "an array of document objects", v);
            return v.toString();
        }).orElse(null);
        return new ChatRendering(f.bool("add_generation_prompt").orElse(true),
                f.bool("continue_final_message").orElse(false), kwargs, documents);
    }

    /**
     * An assistant message's reasoning: vLLM's {@code reasoning} or its former name {@code reasoning_content} (what
     * clients written for either send back); both set must agree.
     */
    private static String reasoning(JsonFields mf, String at) {
        var now = mf.string("reasoning");
        var former = mf.string("reasoning_content");
        if (now.isPresent() && former.isPresent() && !now.get().equals(former.get())) {
            throw EngineException.invalid(at + ".reasoning", "'" + at + ".reasoning' and '" + at
                    + ".reasoning_content' differ: they name the same field, send one of them");
        }
        return now.or(() -> former).orElse(null);
    }

    /**
     * A message's content: a string, or OpenAI's content parts of which only text parts mean anything here, joined
     * with a newline between parts as vLLM joins them (so the same request renders the same prompt on both).
     */
    private static String content(JsonFields mf, String at) {
        JsonNode c = mf.value("content").orElseThrow(() -> EngineException.invalid("messages",
                "'" + at + ".content' is required (an empty string for an empty message)"));
        if (c.isTextual()) return c.textValue();
        if (!c.isArray()) throw mf.wrongType("content", "a string or an array of content parts", c);
        var text = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            if (!c.get(j).isObject()) throw mf.wrongType("content[" + j + "]", "a {type, text} object", c.get(j));
            var part = new JsonFields(c.get(j), at + ".content[" + j + "].");
            String type = part.string("type").orElse("text");
            if (!type.equals("text")) {
                throw EngineException.invalid("messages", "'" + at + ".content[" + j + "]' is a '" + type
                        + "' part; this model reads text parts only");
            }
            if (j > 0) text.append('\n');
            text.append(part.string("text").orElse(""));
        }
        return text.toString();
    }

    private static int[] ids(List<Integer> ids) {
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
