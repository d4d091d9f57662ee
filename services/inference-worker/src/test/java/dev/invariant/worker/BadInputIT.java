package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.Topics;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/** Bad input never crashes the worker and never disappears: DLQ for unreadable records, error completions else. */
class BadInputIT {
    private static final Duration WAIT = Duration.ofMinutes(2);


    @Test
    void unreadableRecordsGoToTheDlqAndInvalidRequestsGetErrorCompletions() {
        byte[] garbage = "this is not avro".getBytes(StandardCharsets.UTF_8);
        byte[] unknownId = {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 2, 4, 6};
        try (var clients = new Clients(); var completions = clients.completions();
             var dlq = clients.reader(Topics.DLQ, DeadLetter.class)) {
            RecordMetadata garbageAt = clients.sendRaw("bad-garbage", garbage);
            RecordMetadata unknownAt = clients.sendRaw("bad-unknown-id", unknownId);
            clients.send(Requests.text("bad-temperature", "Once upon a time", 8)
                    .setSampling(Sampling.newBuilder().setMaxTokens(8).setTemperature(-1f).build()).build());
            clients.send(Requests.tokens("bad-too-long", Collections.nCopies(600, 5), 8).build());
            clients.send(Requests.text("bad-model", "Once upon a time", 8).setModel("gpt-17").build());
            clients.send(Requests.text("bad-no-prompt", "x", 8).setPrompt(null).build());
            // The context rule, never a silent cap: 5 prompt tokens + 600 > stories260K's 512.
            clients.send(Requests.text("bad-context", "Once upon a time", 600).build());
            clients.send(Requests.text("bad-then-ok", "Once upon a time", 8).build());
            int sent = 8;

            List<Completion> answered = completions.awaitCount(c -> c.getRequestId().startsWith("bad-"), 6, WAIT);
            Map<String, Completion> byId = answered.stream()
                    .collect(Collectors.toMap(Completion::getRequestId, Function.identity()));
            assertEquals(6, byId.size(), "one completion per readable request: " + byId.keySet());
            assertError(byId.get("bad-temperature"), "INVALID_PARAM");
            assertError(byId.get("bad-too-long"), "PROMPT_TOO_LONG");
            assertError(byId.get("bad-model"), "UNKNOWN_MODEL");
            assertError(byId.get("bad-no-prompt"), "EMPTY_PROMPT");
            assertError(byId.get("bad-context"), "PROMPT_TOO_LONG");
            String context = byId.get("bad-context").getError().getMessage();
            assertTrue(context.contains("512") && context.contains("600"), context);
            Completion ok = byId.get("bad-then-ok");
            assertNull(ok.getError(), "the worker keeps serving after bad input");
            assertNotNull(ok.getOutputHash());

            List<DeadLetter> letters = dlq.awaitCount(d -> d.getTopic().equals(Topics.REQUESTS)
                    && (at(d, garbageAt) || at(d, unknownAt)), 2, WAIT);
            assertEquals(2, letters.size(), "each unreadable record dead-lettered once");
            for (DeadLetter d : letters) {
                boolean isGarbage = at(d, garbageAt);
                assertArrayEquals(isGarbage ? garbage : unknownId, bytes(d.getOriginalValue()));
                assertTrue(d.getReason().contains(isGarbage ? "magic byte" : "schema id"), d.getReason());
                // The reason names the problem, not the registry's internal address.
                assertFalse(d.getReason().contains("://"), d.getReason());
                assertFalse(d.getReason().contains(URI.create(clients.fixture.stack.ccompatUrl()).getAuthority()),
                        d.getReason());
            }
            assertEquals(sent, answered.size() + letters.size(), "count in = completions + dead letters");
        }
    }

    private static void assertError(Completion c, String code) {
        assertNotNull(c, "no completion for a request expected to fail with " + code);
        assertNotNull(c.getError(), c.getRequestId() + " should have failed with " + code);
        assertEquals(code, c.getError().getCode(), c.getError().getMessage());
        assertEquals("error", c.getFinishReason());
        assertNull(c.getOutputHash());
        assertTrue(c.getTokenIds().isEmpty());
        assertTrue(!c.getError().getMessage().isBlank());
    }

    private static boolean at(DeadLetter d, RecordMetadata m) {
        return d.getPartition() == m.partition() && d.getOffset() == m.offset();
    }

    private static byte[] bytes(ByteBuffer b) {
        var copy = b.duplicate();
        byte[] a = new byte[copy.remaining()];
        copy.get(a);
        return a;
    }
}
