package dev.invariant.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.text.ChatRendering;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One request to an OpenAI-compatible server: {@code /v1/completions}, or {@code /v1/chat/completions} for messages. */
final class OpenAiClient {
    /**
     * The answer; {@code error} set (and the rest empty) when the server refused or could not be reached. {@code text}
     * and {@code finishReason} are the first choice's; {@code choices} has every one (n of them), in index order.
     */
    record Answer(String text, String finishReason, String systemFingerprint, String servedModel, int promptTokens,
                  int completionTokens, double millis, String error, List<Choice> choices) {
    }

    /** One of the n outputs; {@code cumulativeLogprob} is 0 when the server does not report it. */
    record Choice(String text, String finishReason, float cumulativeLogprob) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String endpoint;
    private final Duration timeout;
    private final String apiKey;

    OpenAiClient(String endpoint, Duration timeout, String apiKey) {
        this.endpoint = endpoint.replaceAll("/+$", "").replaceAll("/v1$", "");
        this.timeout = timeout;
        this.apiKey = apiKey;
    }

    Answer complete(String model, Prompt prompt, SamplingParams p) {
        // Every parameter of the request (n and beam search included), mapped once in the contract's JSON mapping.
        ObjectNode body = JsonRequests.write(p, ResultJson.MAPPER.createObjectNode().put("model", model));
        String path = "/v1/completions";
        switch (prompt) {
            case Prompt.Text t -> body.put("prompt", t.text());
            case Prompt.TokenIds ids -> {
                var a = body.putArray("prompt");
                for (int id : ids.ids()) a.add(id);
            }
            case Prompt.Chat c -> {
                path = "/v1/chat/completions";
                var a = body.putArray("messages");
                c.messages().forEach(m -> {
                    var o = a.addObject().put("role", m.role()).put("content", m.content());
                    if (m.name() != null) o.put("name", m.name());
                    if (m.reasoning() != null) o.put("reasoning", m.reasoning());
                });
                rendering(body, c.rendering());
            }
        }
        var req = HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null) req.header("Authorization", "Bearer " + apiKey);
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            double ms = (System.nanoTime() - t0) / 1e6;
            JsonNode json;
            try {
                json = ResultJson.MAPPER.readTree(r.body());
            } catch (IOException e) {
                return failed("HTTP " + r.statusCode() + ", not JSON: " + cut(r.body()), ms);
            }
            if (r.statusCode() != 200) {
                return failed("HTTP " + r.statusCode() + ": " + cut(json.path("error").path("message").asText(r.body())), ms);
            }
            List<JsonNode> listed = new ArrayList<>();
            json.path("choices").forEach(listed::add);
            listed.sort(java.util.Comparator.comparingInt(c -> c.path("index").asInt(0)));
            List<Choice> choices = new ArrayList<>();
            for (JsonNode choice : listed) {
                choices.add(new Choice(choice.has("message") ? choice.path("message").path("content").asText("")
                        : choice.path("text").asText(""), choice.path("finish_reason").asText(null),
                        (float) choice.path("cumulative_logprob").asDouble(0)));
            }
            if (choices.isEmpty()) return failed("the answer has no choices: " + cut(r.body()), ms);
            return new Answer(choices.getFirst().text(), choices.getFirst().finishReason(),
                    json.path("system_fingerprint").asText(""), json.path("model").asText(model),
                    json.path("usage").path("prompt_tokens").asInt(), json.path("usage").path("completion_tokens").asInt(),
                    ms, null, List.copyOf(choices));
        } catch (IOException e) {
            return failed("cannot reach " + endpoint + path + ": " + e, (System.nanoTime() - t0) / 1e6);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted", 0);
        }
    }

    /** vLLM's rendering fields, sent only when not the default, so that servers without them see plain chats. */
    private static void rendering(ObjectNode body, ChatRendering r) {
        if (!r.addGenerationPrompt()) body.put("add_generation_prompt", false);
        if (r.continueFinalMessage()) body.put("continue_final_message", true);
        try {
            if (r.templateKwargs() != null) body.set("chat_template_kwargs", ResultJson.MAPPER.readTree(r.templateKwargs()));
            if (r.documents() != null) body.set("documents", ResultJson.MAPPER.readTree(r.documents()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // checked when the request was read
        }
    }

    private static Answer failed(String why, double ms) {
        return new Answer("", "error", "", "", 0, 0, ms, why, List.of());
    }

    private static String cut(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
