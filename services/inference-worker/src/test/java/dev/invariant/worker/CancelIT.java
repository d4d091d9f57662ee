package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.schemas.Completion;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A client that closes its connection before its answer is complete (a stopped stream, a timed-out request) has its
 * request dropped by the engine rather than generated to max_tokens for nobody, as vLLM aborts it; the request still
 * ends as a completion on the topic, a CANCELLED error. On the tiny-qwen2 worker (WorkerFixture), whose 32,768-token
 * context lets an answer run for tens of seconds: here 20,000 tokens, which would end with "length" if not dropped.
 */
class CancelIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String LONG = "\"model\": \"tiny-qwen2\", \"max_tokens\": 20000, \"ignore_eos\": true,"
            + " \"temperature\": 0";

    private final WorkerProcess qwen = WorkerFixture.get().qwen();

    /** Sends a POST over a socket of its own, which the caller closes to leave. */
    private Socket post(String path, String body) throws Exception {
        return post(path, body, "");
    }

    private Socket post(String path, String body, String headers) throws Exception {
        var socket = new Socket("localhost", qwen.httpPort());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + headers + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return socket;
    }

    @Test
    void aStreamItsClientStopsReadingIsDroppedAndPublishedCancelled() throws Exception {
        String id;
        try (Socket socket = post("/v1/completions", "{\"prompt\": \"Once\", \"stream\": true, " + LONG + "}")) {
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("data: {")) {
                // the status line and headers
            }
            assertNotNull(line, "the stream ended before its first event");
            id = JSON.readTree(line.substring(6)).get("id").asText();
        } // closed after the first tokens
        Completion c = Clients.published(id);
        assertNotNull(c.getError(), "the request ran on: " + c.getFinishReason() + " after " + c.getTokenIds().size());
        assertEquals("CANCELLED", c.getError().getCode());
    }

    @Test
    void aWholeAnswerWhoseClientLeftIsDroppedToo() throws Exception {
        String own = "cancel-whole-" + System.nanoTime(); // the answer's id is chatcmpl- and this (X-Request-Id)
        try (Socket ignored = post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell a long story.\"}], " + LONG + "}",
                "X-Request-Id: " + own + "\r\n")) {
            Thread.sleep(500); // the answer is on its way; the client gives up
        }
        try (var clients = new Clients(); var completions = clients.completions()) {
            Completion c = completions.awaitCount(x -> x.getRequestId().equals("chatcmpl-" + own), 1, WAIT).getFirst();
            assertNotNull(c.getError(), "the request ran on: " + c.getFinishReason());
            assertEquals("CANCELLED", c.getError().getCode());
            assertTrue(c.getError().getMessage().contains("closed its connection"), c.getError().getMessage());
        }
    }
}
