package dev.invariant.engine;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.identity.Fingerprint;
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

    static PreparedRequest prepare(Request r, Model model, Tokenizer tokenizer, NumericsProfile profile) {
        int[] ids = tokenize(r.prompt(), tokenizer);
        if (ids.length == 0) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT, "the prompt is empty: give some text or token ids");
        }
        int vocab = model.config().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new EngineException(ErrorCode.INVALID_PARAM,
                        "prompt token id " + id + " is outside the model's vocabulary [0, " + vocab + ")");
            }
        }
        int context = model.config().maxPositionEmbeddings();
        if (ids.length >= context) {
            throw new EngineException(ErrorCode.PROMPT_TOO_LONG, "the prompt has " + ids.length
                    + " tokens but the model's context is " + context + " (room is needed for at least one"
                    + " generated token): shorten the prompt");
        }
        SamplingParams p = r.params();
        long seed = p.seed() != null ? p.seed() : Seeds.fromRequestId(r.requestId());
        SamplingParams resolved = p.withSeed(seed);
        String fp = Fingerprint.of(model.weightsDigest(), tokenizer.digest(), profile, ids, resolved);
        return new PreparedRequest(r, ids, resolved, fp);
    }

    private static int[] tokenize(Prompt prompt, Tokenizer tokenizer) {
        return switch (prompt) {
            case Prompt.TokenIds t -> t.ids();
            case Prompt.Text t -> {
                if (t.text() == null || t.text().isEmpty()) {
                    throw new EngineException(ErrorCode.EMPTY_PROMPT, "the prompt is empty: give some text");
                }
                yield tokenizer.encode(t.text());
            }
            case Prompt.Chat c -> {
                if (c.messages().isEmpty()) {
                    throw new EngineException(ErrorCode.EMPTY_PROMPT, "the chat has no messages");
                }
                ChatTemplate template = tokenizer.chatTemplate().orElseThrow(() -> new EngineException(
                        ErrorCode.INVALID_PARAM, "this model has no chat template (tokenizer_config.json has no"
                        + " chat_template): send a plain prompt instead"));
                yield tokenizer.encodeNoSpecial(template.render(c.messages(), true));
            }
        };
    }
}
