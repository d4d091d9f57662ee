package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code verify} against the real pipeline: completions the worker made from Kafka requests are reproduced on this
 * machine's CPU (others on the topic, such as HTTP API answers, have no request to read and are not verifiable), and a
 * tampered completion (one token changed, its hash recomputed to match) is reported as a mismatch at that token.
 */
class VerifyCommandTest {

    @Test
    void reproducesRealCompletionsAndCatchesATamperedOne() throws Exception {
        LivePipeline live = LivePipeline.get();
        List<InferenceRequest> records = new ArrayList<>();
        records.add(RequestRecords.of(new Request("v-greedy", Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(12).build()), "stories260K", Numerics.portable, false));
        records.add(RequestRecords.of(new Request("v-sampled", Prompt.text("The little bird"),
                SamplingParams.builder().maxTokens(12).temperature(0.8f).topP(0.9f).seed(7L).build()),
                "stories260K", Numerics.portable, false));
        records.add(RequestRecords.of(new Request("v-unseeded", Prompt.text("Tom and his mom"),
                SamplingParams.builder().maxTokens(12).temperature(1.0f).build()), "stories260K", Numerics.portable, false));
        List<Completion> got = new Workload(live.kafka, Topics.REQUESTS).sendAndAwait(records, null, 120, c -> { }, false);
        assertEquals(3, got.size());

        Completion original = got.stream().filter(c -> c.getRequestId().equals("v-greedy")).findFirst().orElseThrow();
        List<Integer> tokens = new ArrayList<>(original.getTokenIds());
        tokens.set(5, tokens.get(5) == 7 ? 8 : 7);
        Completion tampered = Completion.newBuilder(original).setTokenIds(tokens).setOutputHash(hash(tokens)).build();
        try (var producer = new KafkaProducer<String, Completion>(live.kafka.producer())) {
            producer.send(new ProducerRecord<>(Topics.COMPLETIONS, tampered.getRequestId(), tampered)).get();
        }

        String[] where = concat(live.where(), "--model", live.model.toString(), "--threads", "2");
        var all = GenerateCommandTest.run(concat(new String[] {"verify"}, where));
        assertEquals(1, all.code(), all.out() + all.err());
        assertTrue(all.out().contains("verified 4: 3 reproduced, 1 mismatched,"), all.out());
        assertTrue(all.out().contains("output differs from token 5"), all.out());

        var one = GenerateCommandTest.run(concat(new String[] {"verify", "--request-id", "v-sampled"}, where));
        assertEquals(0, one.code(), one.out() + one.err());
        assertTrue(one.out().contains("verified 1: 1 reproduced"), one.out());

        var none = GenerateCommandTest.run(concat(new String[] {"verify", "--request-id", "no-such"}, where));
        assertEquals(2, none.code(), none.out() + none.err());

        // A JSONL file of completions, as consume --format json prints them, with a line that is not one.
        Path file = Files.createTempFile("completions", ".jsonl");
        List<String> lines = new ArrayList<>();
        for (Completion c : got) lines.add(CompletionJson.of(c).toString());
        lines.add("{\"request_id\": \"broken\"}");
        lines.add(CompletionJson.of(tampered).toString());
        Files.write(file, lines);
        var fromFile = GenerateCommandTest.run(concat(new String[] {"verify", "--file", file.toString()}, where));
        assertEquals(1, fromFile.code(), fromFile.out() + fromFile.err());
        assertTrue(fromFile.out().contains("verified 4: 3 reproduced, 1 mismatched, 0 not verifiable"), fromFile.out());
        assertTrue(fromFile.out().contains("1 unreadable record(s) skipped"), fromFile.out());
        assertTrue(fromFile.err().contains("line 4 skipped: field model is missing"), fromFile.err());
    }

    private static String hash(List<Integer> ids) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4 * ids.size());
        ids.forEach(b::putInt);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
