package dev.invariant.engine;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.Seeds;
import dev.invariant.engine.text.ChatTemplate;
import dev.invariant.engine.text.Tokenizer;

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
        if (p.maxTokens() == SamplingParams.UP_TO_CONTEXT) {
            // Resolved from the context length (the model's, or max_model_len), not the KV cache, so every worker
            // with the same max_model_len fingerprints it alike.
            p = p.withMaxTokens(Math.max(1, context - ids.length));
        }
        checkContext(ids.length, p.maxTokens(), context, promptField);
        long seed = p.seed() != null ? p.seed() : Seeds.fromRequestId(r.requestId());
        SamplingParams resolved = p.withSeed(seed);
        String fp = Fingerprint.of(model.weightsDigest(), tokenizer.digest(), profile, kvCacheDtype, ids, resolved);
        return new PreparedRequest(r, ids, resolved, fp);
    }

    /**
     * The context rule of OpenAI and vLLM: prompt + max_tokens must fit max_model_len. Nothing is capped: a request
     * that asks for more than fits is refused with the three numbers, so the caller decides what to give up.
     */
    static void checkContext(int promptTokens, int maxTokens, int maxModelLen, String promptField) {
        long total = (long) promptTokens + maxTokens;
        if (total <= maxModelLen) return;
        String fix = promptTokens < maxModelLen
                ? "lower max_tokens to at most " + (maxModelLen - promptTokens) + " or shorten the prompt"
                : "shorten the prompt to fewer than " + maxModelLen + " tokens";
        throw new EngineException(ErrorCode.PROMPT_TOO_LONG, promptTokens < maxModelLen ? "max_tokens" : promptField,
                "this model's maximum context length is " + maxModelLen + " tokens, but the request needs " + total
                + " (" + promptTokens + " in the prompt + " + maxTokens + " max_tokens): " + fix);
    }

    /** The wire name of the field that carried the prompt, for error messages. */
    private static String promptField(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Text t -> "prompt";
            case Prompt.Chat c -> "messages";
            case Prompt.TokenIds t -> "prompt";
        };
    }

    private static int[] tokenize(Prompt prompt, Tokenizer tokenizer) {
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
                yield tokenizer.encodeNoSpecial(template.render(c.messages(), true));
            }
        };
    }
}
