package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * 1,000 seeded hostile bodies against the OpenAI-compatible API (random bytes, truncated JSON, wrong types,
 * NaN/huge numbers, deep nesting, unknown fields, invalid UTF-8, control characters, every field of both routes
 * mutated): every answer is a 200 or a 4xx in OpenAI's error shape, never a 5xx, never a dropped connection, and
 * the worker stays live.
 */
class HttpFuzzIT {
    private static final int REQUESTS = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] VALUES = {"1", "0", "-1", "16", "1e309", "-1e309", "NaN", "Infinity", "3.5",
            "9223372036854775808", "null", "true", "\"x\"", "\"\"", "[]", "{}", "[1,2,3]", "\"\\u0000\"", "\"\\ud800\"",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "\"" + "z".repeat(5000) + "\""};
    private static final String[] FIELDS = {"model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "seed",
            "stop", "n", "logprobs", "echo", "stream", "messages", "min_p", "repetition_penalty", "stop_token_ids",
            "ignore_eos", "logit_bias", "unknown_field", "stream_options", "user", "top_logprobs", "presence_penalty",
            "min_tokens", "allowed_token_ids"};

    @Test
    void hostileBodiesGetOpenAiShapedAnswersAndNeverAServerError() throws Exception {
        var fixture = WorkerFixture.get();
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        var random = new SplittableRandom(99);
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            String path = random.nextBoolean() ? "/v1/completions" : "/v1/chat/completions";
            byte[] body = body(random, path);
            var response = http.send(HttpRequest.newBuilder(fixture.http(path)).timeout(Duration.ofMinutes(1))
                    .header("Content-Type", random.nextInt(20) == 0 ? "text/plain" : "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            statuses.merge(status, 1, Integer::sum);
            String sent = new String(body, StandardCharsets.UTF_8);
            String what = "request " + i + " " + path + " " + sent.substring(0, Math.min(200, sent.length())) + " -> "
                    + status + " " + response.body();
            assertTrue(status == 200 || (status >= 400 && status < 500), what);
            if (status != 200 && !response.body().startsWith("data:")) {
                JsonNode error = JSON.readTree(response.body()).get("error");
                assertTrue(error != null && error.hasNonNull("message") && error.hasNonNull("type")
                        && error.hasNonNull("code"), what);
            }
        }
        System.out.println("HttpFuzzIT statuses of " + REQUESTS + " requests: " + statuses);
        assertTrue(statuses.getOrDefault(200, 0) > 0 && statuses.keySet().stream().anyMatch(s -> s >= 400), statuses.toString());
        assertEquals(200, http.send(HttpRequest.newBuilder(fixture.http("/q/health/live")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    private static byte[] body(SplittableRandom random, String path) {
        int kind = random.nextInt(10);
        if (kind == 0) {
            byte[] b = new byte[random.nextInt(0, 200)];
            random.nextBytes(b);
            return b;
        }
        StringBuilder sb = new StringBuilder("{\"model\": \"stories260K\", ");
        sb.append(path.contains("chat") ? "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]"
                : "\"prompt\": \"Once upon a time\"");
        sb.append(", \"max_tokens\": 4, \"temperature\": 0");
        for (int k = random.nextInt(0, 4); k > 0; k--) {
            sb.append(", \"").append(FIELDS[random.nextInt(FIELDS.length)]).append("\": ")
                    .append(VALUES[random.nextInt(VALUES.length)]);
        }
        sb.append('}');
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        return switch (kind) {
            case 1 -> java.util.Arrays.copyOf(b, random.nextInt(0, b.length)); // truncated
            case 2 -> { // invalid UTF-8 / control bytes inside
                b[random.nextInt(b.length)] = (byte) (random.nextBoolean() ? 0xC0 : 0x01);
                yield b;
            }
            default -> b;
        };
    }
}
