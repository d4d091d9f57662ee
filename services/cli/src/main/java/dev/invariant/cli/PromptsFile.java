package dev.invariant.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a prompts file: one request per line, either plain text or a JSON object in the request contract's JSON
 * form (docs/requests.md, the same fields and type rules as the HTTP API): one of {@code prompt},
 * {@code messages} or {@code prompt_token_ids}, an optional {@code request_id}, any sampling field, and
 * {@code logprobs} and {@code prompt_logprobs} (N alternatives, as on Kafka), overriding the command-line values. Unlike the HTTP API, an
 * unknown field is an error: a misspelt {@code "temprature"} in a file of one's own should not be ignored.
 */
final class PromptsFile {
    private static final Set<String> FIELDS = fields();

    private PromptsFile() {
    }

    static List<Request> read(Path file, SamplingOptions defaults, String idPrefix) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw EngineException.invalid(null, "cannot read prompts file " + file + ": " + FileErrors.why(e));
        }
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            try {
                out.add(parse(line, defaults, idPrefix + out.size()));
            } catch (EngineException e) {
                throw e.withContext(file + " line " + (i + 1) + ": ");
            }
        }
        return out;
    }

    static Request parse(String line, SamplingOptions defaults, String defaultId) {
        if (!line.startsWith("{")) {
            return new Request(defaultId, Prompt.text(line), defaults.builder().build(), 0L, defaults.logprobs(),
                    defaults.promptLogprobs());
        }
        JsonNode n;
        try {
            n = ResultJson.MAPPER.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw EngineException.invalid(null, "not valid JSON: " + e.getOriginalMessage());
        }
        JsonFields f = JsonFields.of(n);
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!FIELDS.contains(name)) {
                throw EngineException.invalid(name, "unknown field '" + name + "'; the fields are "
                        + String.join(", ", FIELDS));
            }
        }
        String id = f.string("request_id").orElse(defaultId);
        Prompt prompt = JsonRequests.prompt(f);
        if (!(prompt instanceof Prompt.Chat)) {
            for (String field : JsonRequests.CHAT_FIELDS.stream().sorted().toList()) {
                if (f.has(field)) throw EngineException.invalid(field, "'" + field + "' goes with messages (a chat)");
            }
        }
        return new Request(id, prompt, JsonTools.constrain(prompt, JsonRequests.sampling(f, defaults.builder())), 0L,
                f.integer("logprobs").orElse(defaults.logprobs()),
                f.has("prompt_logprobs") ? JsonRequests.promptLogprobs(f) : defaults.promptLogprobs());
    }

    private static Set<String> fields() {
        var all = new TreeSet<String>(JsonRequests.SAMPLING_FIELDS);
        all.addAll(JsonRequests.PROMPT_FIELDS);
        all.addAll(JsonRequests.CHAT_FIELDS);
        all.add("request_id");
        all.add("logprobs");
        all.add("prompt_logprobs");
        return all;
    }
}
