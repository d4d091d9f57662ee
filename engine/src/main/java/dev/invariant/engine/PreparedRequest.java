package dev.invariant.engine;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.sample.LogitProcessors;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.Seeds;
import dev.invariant.engine.sample.structured.Guide;
import dev.invariant.engine.text.ChatTemplate;
import dev.invariant.engine.text.Tokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A request after validation: its prompt token ids, its sampling parameters with the seed resolved, and its
 * fingerprint. Everything that can be wrong with a request is found here, before it takes any engine resources.
 */
record PreparedRequest(Request request, int[] promptIds, SamplingParams params, String fingerprint) {

    /** @param context the engine's context length (max_model_len) */
    static PreparedRequest prepare(Request r, Model model, Tokenizer tokenizer, NumericsProfile profile,
                                   KvCacheDtype kvCacheDtype, int context) {
        int[] ids = tokenize(r.prompt(), tokenizer);
        String promptField = promptField(r.prompt());
        if (ids.length == 0) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT, promptField,
                    "the prompt is empty: give some text or token ids");
        }
        int vocab = model.config().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw EngineException.invalid(promptField,
                        "prompt token id " + id + " is outside the model's vocabulary [0, " + vocab + ")");
            }
        }
        for (int id : r.params().stopTokenIds()) {
            if (id >= vocab) {
                throw EngineException.invalid("stop_token_ids",
                        "stop token id " + id + " is outside the model's vocabulary [0, " + vocab + ")");
            }
        }
        SamplingParams p = r.params();
        LogitProcessors.checkVocabulary(p, vocab);
        checkStructuredOutput(p, vocab, model, tokenizer);
        checkContext(ids.length, p.maxTokens(), context, promptField);
        checkMinTokens(p, ids.length, context, model, tokenizer);
        if (p.maxTokens() == SamplingParams.UP_TO_CONTEXT) {
            // Resolved from the context length (the model's, or max_model_len), not the KV cache, so every worker
            // with the same max_model_len fingerprints it alike.
            p = p.withMaxTokens(context - ids.length);
        }
        long seed = p.seed() != null ? p.seed() : Seeds.fromRequestId(r.requestId());
        SamplingParams resolved = p.withSeed(seed);
        String fp = Fingerprint.of(model.weightsDigest(), model.configDigest(), tokenizer.digest(), profile, kvCacheDtype,
                ids, resolved);
        return new PreparedRequest(r, ids, resolved, fp);
    }

    /** The ids that end a sequence unless ignore_eos: the model configuration's and the tokenizer's EOS ids. */
    static Set<Integer> eosIds(Model model, Tokenizer tokenizer) {
        Set<Integer> eos = new HashSet<>(model.config().eosTokenIds());
        eos.addAll(tokenizer.eosTokenIds());
        return Set.copyOf(eos);
    }

    /**
     * A structured output must be able to start: some token of this vocabulary spells a first byte it allows (or it
     * accepts the empty output and an end id may close it). Builds its guide, which later requests share.
     */
    private static void checkStructuredOutput(SamplingParams p, int vocab, Model model, Tokenizer tokenizer) {
        if (p.structuredOutput() == null) return;
        Guide g = Guide.of(p.structuredOutput(), tokenizer, vocab);
        Guide.Position start = g.position(new int[0], 0);
        boolean endable = g.accepting(start) && (!p.stopTokenIds().isEmpty()
                || !p.ignoreEos() && !eosIds(model, tokenizer).isEmpty());
        if (g.allowed(start).isEmpty() && !endable) throw Guide.deadEnd(0);
    }

    /**
     * min_tokens must be reachable: within the context (max_tokens "up to the context" is resolved after this), and
     * not with allowed_token_ids that are all end ids, which min_tokens bans (no token could be generated).
     */
    private static void checkMinTokens(SamplingParams p, int promptTokens, int context, Model model,
                                       Tokenizer tokenizer) {
        if (p.minTokens() == 0) return;
        if (promptTokens + (long) p.minTokens() > context) {
            throw EngineException.invalid("min_tokens", "min_tokens " + p.minTokens() + " does not fit: the prompt has "
                    + promptTokens + " tokens and this model's maximum context length is " + context
                    + ": lower min_tokens to at most " + Math.max(0, context - promptTokens));
        }
        List<Integer> allowed = p.allowedTokenIds();
        Set<Integer> eosIds = allowed == null ? Set.of() : eosIds(model, tokenizer);
        if (allowed != null && allowed.stream().allMatch(id -> eosIds.contains(id) || p.stopTokenIds().contains(id))) {
            throw EngineException.invalid("min_tokens", "every id in allowed_token_ids ends generation (an EOS or stop"
                    + " token id), and min_tokens bans them until " + p.minTokens() + " tokens are out, so no token"
                    + " could be generated: allow another token or drop min_tokens");
        }
    }

    /**
     * The context rule of OpenAI and vLLM: prompt + max_tokens must fit max_model_len, and {@code max_tokens}
     * {@value SamplingParams#UP_TO_CONTEXT} needs room for one token. Nothing is capped: a request that asks for more
     * than fits is refused with the numbers and a fix that would make it fit, so the caller decides what to give up.
     */
    static void checkContext(int promptTokens, int maxTokens, int maxModelLen, String promptField) {
        boolean upToContext = maxTokens == SamplingParams.UP_TO_CONTEXT;
        int needed = upToContext ? 1 : maxTokens;
        long total = (long) promptTokens + needed;
        if (total <= maxModelLen) return;
        // The longest prompt that fits with this max_tokens, and with the smallest one (1).
        long promptFits = (long) maxModelLen - needed;
        int promptFitsAlone = maxModelLen - 1;
        String fix;
        if (promptTokens < maxModelLen) {
            fix = "lower max_tokens to at most " + (maxModelLen - promptTokens) + (promptFits >= 1
                    ? ", or shorten the prompt to at most " + promptFits + " tokens (max_model_len " + maxModelLen
                    + " - max_tokens " + maxTokens + ")"
                    : " (max_tokens " + maxTokens + " alone leaves no room for a prompt)");
        } else if (upToContext || promptFits == promptFitsAlone) {
            fix = "shorten the prompt to at most " + promptFitsAlone + " tokens (max_model_len " + maxModelLen
                    + " - 1 token to generate)";
        } else if (promptFits >= 1) {
            fix = "shorten the prompt to at most " + promptFits + " tokens (max_model_len " + maxModelLen
                    + " - max_tokens " + maxTokens + "), or to at most " + promptFitsAlone + " with a lower max_tokens";
        } else {
            fix = "shorten the prompt and lower max_tokens (max_tokens " + maxTokens + " alone leaves no room for"
                    + " a prompt): together they must be at most " + maxModelLen;
        }
        String need = upToContext
                ? "the prompt has " + promptTokens + " tokens, which leaves no room for max_tokens 0 (up to the"
                        + " context) to generate one"
                : "the request needs " + total + " (" + promptTokens + " in the prompt + " + maxTokens + " max_tokens)";
        throw new EngineException(ErrorCode.PROMPT_TOO_LONG, promptTokens < maxModelLen ? "max_tokens" : promptField,
                "this model's maximum context length is " + maxModelLen + " tokens, but " + need + ": " + fix);
    }

    /** The wire name of the field that carried the prompt, for error messages. */
    private static String promptField(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Text t -> "prompt";
            case Prompt.Chat c -> "messages";
            case Prompt.TokenIds t -> "prompt";
        };
    }

    static int[] tokenize(Prompt prompt, Tokenizer tokenizer) {
        return switch (prompt) {
            case Prompt.TokenIds t -> t.ids();
            case Prompt.Text t -> {
                if (t.text() == null || t.text().isEmpty()) {
                    throw new EngineException(ErrorCode.EMPTY_PROMPT, "prompt", "the prompt is empty: give some text");
                }
                yield tokenizer.encode(t.text());
            }
            case Prompt.Chat c -> {
                if (c.messages().isEmpty()) {
                    throw new EngineException(ErrorCode.EMPTY_PROMPT, "messages", "the chat has no messages");
                }
                ChatTemplate template = tokenizer.chatTemplate().orElseThrow(() -> EngineException.invalid(
                        "messages", "this model has no chat template (tokenizer_config.json has no"
                        + " chat_template): send a plain prompt instead"));
                yield tokenizer.encodeNoSpecial(template.render(c.messages(), c.tools(), c.rendering()));
            }
        };
    }
}
