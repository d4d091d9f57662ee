package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.text.ChatMessage;
import dev.invariant.worker.engine.ChatMessages;
import dev.invariant.worker.engine.EngineService;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI request bodies ({@code /v1/completions}, {@code /v1/chat/completions}) as engine Requests. Defaults are
 * OpenAI's (temperature 1, max_tokens 16); vLLM's extra sampling fields (top_k, min_p, repetition_penalty,
 * stop_token_ids, ignore_eos) are understood too. Without a {@code seed}, a sampled request's seed derives from its
 * generated id, so only greedy or seeded requests are reproducible.
 */
public final class OpenAiRequests {
    private OpenAiRequests() {
    }

    public static Request completion(String id, JsonNode body, EngineService engine) {
        check(body, engine);
        JsonNode prompt = body.get("prompt");
        if (prompt == null || prompt.isNull()) invalid(ErrorCode.EMPTY_PROMPT, "'prompt' is required");
        Prompt p;
        if (prompt.isTextual()) {
            p = new Prompt.Text(prompt.asText());
        } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            p = new Prompt.Text(prompt.get(0).asText());
        } else if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isInt()) {
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!prompt.get(i).isInt()) invalid(ErrorCode.INVALID_PARAM, "'prompt' mixes token ids and other values");
                ids[i] = prompt.get(i).asInt();
            }
            p = new Prompt.TokenIds(ids);
        } else {
            throw new EngineException(ErrorCode.INVALID_PARAM,
                    "'prompt' must be a string, an array of one string, or an array of token ids (batches: send one request each)");
        }
        return new Request(id, p, sampling(body), 0L);
    }

    public static Request chat(String id, JsonNode body, EngineService engine) {
        check(body, engine);
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            invalid(ErrorCode.EMPTY_PROMPT, "'messages' must be a non-empty array of {role, content}");
        }
        var list = new ArrayList<ChatMessage>();
        for (JsonNode m : messages) {
            JsonNode content = m.get("content");
            if (content != null && content.isArray()) {
                // OpenAI's content parts: only text parts are meaningful to a text model.
                var text = new StringBuilder();
                for (JsonNode part : content) text.append(part.path("text").asText(""));
                list.add(ChatMessages.of(m.path("role").asText(null), text.toString()));
            } else {
                list.add(ChatMessages.of(m.path("role").asText(null), content == null || content.isNull()
                        ? null : content.asText()));
            }
        }
        return new Request(id, new Prompt.Chat(list), sampling(body), 0L);
    }

    public static boolean stream(JsonNode body) {
        return body.path("stream").asBoolean(false);
    }

    private static void check(JsonNode body, EngineService engine) {
        if (body == null || !body.isObject()) invalid(ErrorCode.INVALID_PARAM, "the request body must be a JSON object");
        String model = body.path("model").asText("");
        if (!engine.serves(model)) {
            invalid(ErrorCode.UNKNOWN_MODEL, "the model '" + model + "' does not exist here: this worker serves '"
                    + engine.modelName() + "' (GET /v1/models)");
        }
        if (body.path("n").asInt(1) != 1 || body.path("best_of").asInt(1) != 1) {
            invalid(ErrorCode.INVALID_PARAM, "only n = 1 is supported: send one request per choice");
        }
        JsonNode profile = body.get("numerics_profile");
        if (profile != null && !profile.isNull() && NumericsProfile.fromWire(profile.asText()) != engine.profile()) {
            invalid(ErrorCode.INVALID_PARAM, "this worker runs the '" + engine.profile().wireName()
                    + "' numerics profile, not '" + profile.asText() + "'");
        }
    }

    private static SamplingParams sampling(JsonNode b) {
        var s = SamplingParams.builder()
                .temperature((float) b.path("temperature").asDouble(1.0))
                .topP((float) b.path("top_p").asDouble(1.0))
                .topK(b.path("top_k").asInt(0) < 0 ? 0 : b.path("top_k").asInt(0))
                .minP((float) b.path("min_p").asDouble(0.0))
                .repetitionPenalty((float) b.path("repetition_penalty").asDouble(1.0))
                .presencePenalty((float) b.path("presence_penalty").asDouble(0.0))
                .frequencyPenalty((float) b.path("frequency_penalty").asDouble(0.0))
                .maxTokens(maxTokens(b))
                .ignoreEos(b.path("ignore_eos").asBoolean(false))
                .stop(stop(b.get("stop")))
                .stopTokenIds(ints(b.get("stop_token_ids")));
        JsonNode seed = b.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.canConvertToLong()) invalid(ErrorCode.INVALID_PARAM, "'seed' must be an integer");
            s.seed(seed.asLong());
        }
        return s.build();
    }

    private static int maxTokens(JsonNode b) {
        JsonNode n = b.hasNonNull("max_completion_tokens") ? b.get("max_completion_tokens") : b.get("max_tokens");
        if (n == null || n.isNull()) return 16;
        if (!n.canConvertToInt()) invalid(ErrorCode.INVALID_PARAM, "'max_tokens' must be an integer");
        return n.asInt();
    }

    private static List<String> stop(JsonNode n) {
        if (n == null || n.isNull()) return List.of();
        if (n.isTextual()) return List.of(n.asText());
        var out = new ArrayList<String>();
        for (JsonNode s : n) out.add(s.asText());
        return out;
    }

    private static List<Integer> ints(JsonNode n) {
        if (n == null || n.isNull()) return List.of();
        var out = new ArrayList<Integer>();
        for (JsonNode s : n) out.add(s.asInt());
        return out;
    }

    private static void invalid(ErrorCode code, String message) {
        throw new EngineException(code, message);
    }
}
