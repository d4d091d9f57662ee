package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The HTTP tests' calls as an outside client makes them: a JSON body POSTed, the answer read as text. */
final class HttpCalls {
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpCalls() {}

    static HttpResponse<String> post(HttpClient http, URI uri, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json").timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** OpenAI's shape of a rejected parameter: 400, {@code invalid_request_error}, our code, the parameter's name. */
    static void assertInvalidParam(HttpResponse<String> r, String param) throws IOException {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("INVALID_PARAM", error.get("code").asText(), r.body());
        assertEquals(param, error.get("param").asText(), r.body());
        assertEquals("invalid_request_error", error.get("type").asText(), r.body());
    }
}
