package dev.invariant.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.text.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a prompts file: one request per line, either plain text or a JSON object with {@code prompt},
 * {@code messages} or {@code prompt_token_ids}, an optional {@code request_id}, and any sampling field
 * ({@code max_tokens}, {@code temperature}, {@code top_k}, {@code top_p}, {@code min_p}, {@code seed},
 * {@code stop}, {@code ignore_eos}, penalties) overriding the command-line values.
 */
final class PromptsFile {
    private PromptsFile() {
    }

    static List<Request> read(Path file, SamplingOptions defaults, String idPrefix) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "cannot read prompts file " + file + ": " + e.getMessage());
        }
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            try {
                out.add(parse(line, defaults, idPrefix + out.size()));
            } catch (EngineException e) {
                throw new EngineException(e.code(), file + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    static Request parse(String line, SamplingOptions defaults, String defaultId) {
        if (!line.startsWith("{")) return new Request(defaultId, Prompt.text(line), defaults.builder().build());
        JsonNode n;
        try {
            n = ResultJson.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "not valid JSON: " + e.getMessage());
        }
        SamplingParams.Builder b = defaults.builder();
        if (n.has("max_tokens")) b.maxTokens(n.get("max_tokens").asInt());
        if (n.has("temperature")) b.temperature((float) n.get("temperature").asDouble());
        if (n.has("top_k")) b.topK(n.get("top_k").asInt());
        if (n.has("top_p")) b.topP((float) n.get("top_p").asDouble());
        if (n.has("min_p")) b.minP((float) n.get("min_p").asDouble());
        if (n.has("repetition_penalty")) b.repetitionPenalty((float) n.get("repetition_penalty").asDouble());
        if (n.has("presence_penalty")) b.presencePenalty((float) n.get("presence_penalty").asDouble());
        if (n.has("frequency_penalty")) b.frequencyPenalty((float) n.get("frequency_penalty").asDouble());
        if (n.has("seed") && !n.get("seed").isNull()) b.seed(n.get("seed").asLong());
        if (n.has("ignore_eos")) b.ignoreEos(n.get("ignore_eos").asBoolean());
        if (n.has("stop")) {
            List<String> stop = new ArrayList<>();
            n.get("stop").forEach(s -> stop.add(s.asText()));
            if (n.get("stop").isTextual()) stop.add(n.get("stop").asText());
            b.stop(stop);
        }
        String id = n.has("request_id") ? n.get("request_id").asText() : defaultId;
        return new Request(id, prompt(n), b.build());
    }

    private static Prompt prompt(JsonNode n) {
        if (n.has("prompt_token_ids")) {
            JsonNode a = n.get("prompt_token_ids");
            int[] ids = new int[a.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = a.get(i).asInt();
            return new Prompt.TokenIds(ids);
        }
        if (n.has("messages")) {
            List<ChatMessage> messages = new ArrayList<>();
            n.get("messages").forEach(m -> messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText())));
            return new Prompt.Chat(messages);
        }
        if (n.has("prompt")) return Prompt.text(n.get("prompt").asText());
        throw new EngineException(ErrorCode.INVALID_PARAM, "a request needs prompt, messages or prompt_token_ids");
    }
}
