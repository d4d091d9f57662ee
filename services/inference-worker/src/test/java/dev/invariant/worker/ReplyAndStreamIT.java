package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionChunk;
import dev.invariant.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Request/reply headers as SmallRye's KafkaRequestReply writes them, and streamed chunks. */
class ReplyAndStreamIT {
    private static final Duration WAIT = Duration.ofMinutes(2);


    @Test
    void theReplyGoesToTheReplyTopicWithTheCorrelationIdCopied() {
        byte[] correlation = "corr-7f3a".getBytes(StandardCharsets.UTF_8);
        try (var clients = new Clients(); var replies = clients.reader(WorkerFixture.REPLIES, Completion.class);
             var completions = clients.completions()) {
            var request = Requests.text("reply-1", "The cat sat on the", 12).build();
            var record = new ProducerRecord<>(Topics.REQUESTS, Clients.key("reply-1"),
                    clients.encode(Topics.REQUESTS, request));
            record.headers().add(Topics.REPLY_TOPIC_HEADER, WorkerFixture.REPLIES.getBytes(StandardCharsets.UTF_8));
            record.headers().add(Topics.REPLY_CORRELATION_ID_HEADER, correlation);
            clients.send(record);

            List<Completion> answer = replies.awaitCount(c -> c.getRequestId().equals("reply-1"), 1, WAIT);
            assertEquals(1, answer.size());
            var raw = replies.raw().getFirst();
            assertNotNull(raw.headers().lastHeader(Topics.REPLY_CORRELATION_ID_HEADER), "correlation id header");
            assertArrayEquals(correlation, raw.headers().lastHeader(Topics.REPLY_CORRELATION_ID_HEADER).value());
            assertArrayEquals(Clients.key("reply-1"), raw.key(), "replies are keyed by request id");
            // The completions topic has it too, so the consistency monitor sees every answer.
            List<Completion> published = completions.awaitCount(c -> c.getRequestId().equals("reply-1"), 1, WAIT);
            assertEquals(answer.getFirst().getOutputHash(), published.getFirst().getOutputHash());
        }
    }

    @Test
    void aStreamingRequestGetsChunksThatAddUpToItsCompletion() {
        try (var clients = new Clients(); var chunks = clients.reader(Topics.CHUNKS, CompletionChunk.class);
             var completions = clients.completions()) {
            clients.send(Requests.text("stream-1", "Tom and his dog went to the park.", 20).setStream(true).build());
            Completion c = completions.awaitCount(x -> x.getRequestId().equals("stream-1"), 1, WAIT).getFirst();
            List<CompletionChunk> got = chunks.await(x -> x.getRequestId().equals("stream-1"),
                    l -> l.stream().anyMatch(CompletionChunk::getFinal$), WAIT, l -> l.size() + " chunks, none final");
            var ordered = new ArrayList<>(got);
            ordered.sort(Comparator.comparingInt(CompletionChunk::getSeq));
            var text = new StringBuilder();
            var ids = new ArrayList<Integer>();
            for (int i = 0; i < ordered.size(); i++) {
                assertEquals(i, ordered.get(i).getSeq(), "chunks are numbered 0, 1, 2, ... without gaps");
                text.append(ordered.get(i).getTextDelta());
                ids.addAll(ordered.get(i).getTokenIds());
            }
            assertTrue(ordered.getLast().getFinal$(), "the last chunk is marked final");
            assertEquals(c.getText(), text.toString());
            assertEquals(c.getTokenIds(), ids);
        }
    }
}
