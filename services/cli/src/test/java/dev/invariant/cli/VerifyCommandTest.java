package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.registry.TopicSchemas;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code verify} against the real pipeline: completions the worker made from Kafka requests are reproduced on this
 * machine's CPU (others on the topic, such as HTTP API answers, have no request to read and are not verifiable), and a
 * tampered completion (one token changed, its hash recomputed to match) is reported as a mismatch at that token. The
 * same completions through the end-to-end check's table ({@code demo --cpu-check}): all equal passes; the tampered one
 * is a divergence of its backend; a request without a completion fails. {@code verify --follow} over the same topic
 * prints the mismatch and publishes it as a consistency event. (One test: the topic is shared.)
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
        // the topic may hold other tests' completions too (HTTP ones, verifiable from their records alone)
        assertTrue(all.out().matches("(?s).*verified \\d+: \\d+ reproduced, 1 mismatched, .*"), all.out());
        for (String id : List.of("v-sampled", "v-unseeded")) {
            assertTrue(all.out().matches("(?s).*\\n  REPRODUCED +" + id + " .*"), all.out());
        }
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

        Map<String, InferenceRequest> byId = new HashMap<>();
        records.forEach(r -> byId.put(r.getRequestId(), r));
        // each completion carries its request's sampling parameters, as the worker ran them
        for (Completion c : got) assertEquals(byId.get(c.getRequestId()).getSampling(), c.getSampling(), c.getRequestId());
        Reverifier cpu = new Reverifier(EngineConfig.defaults(live.model.toString()).withThreads(2));
        CpuCheck ok = new CpuCheck(3, got, cpu.verify(got, byId, Progress.NONE));
        assertTrue(ok.allEqual(), print(ok));
        String backend = got.getFirst().getEngine().getBackend();
        assertTrue(backend.startsWith("cpu-"), backend);
        assertEquals(List.of(new CpuCheck.Row(backend, 3, 3, 0, 0)), ok.rows());
        assertTrue(print(ok).contains("hashes equal to the CPU's        3 of 3"), print(ok));
        List<Completion> withTampered = got.stream().map(c -> c == original ? tampered : c).toList();
        CpuCheck bad = new CpuCheck(3, withTampered, cpu.verify(withTampered, byId, Progress.NONE));
        assertFalse(bad.allEqual());
        assertEquals(List.of(new CpuCheck.Row(backend, 3, 2, 1, 0)), bad.rows());
        assertTrue(print(bad).contains("divergences                      1"), print(bad));
        assertTrue(print(bad).contains("MISMATCH v-greedy: output differs from token 5"), print(bad));
        assertTrue(print(bad).contains("NOT EQUAL"), print(bad));
        assertFalse(new CpuCheck(4, got, cpu.verify(got, byId, Progress.NONE)).allEqual(), "a request had no completion");

        // Service mode: follows the topic from the start (its own group), prints verdicts, publishes the mismatch.
        var follow = GenerateCommandTest.run(concat(new String[] {"verify", "--follow", "--from-beginning", "--group",
                "test-verifier-" + System.nanoTime(), "--idle-timeout", "3"}, where));
        assertEquals(1, follow.code(), follow.out() + follow.err());
        assertTrue(follow.out().matches("(?s).*\\n  MISMATCH +v-greedy  output differs from token 5.*"), follow.out());
        assertTrue(follow.out().matches("(?s).*\\n  REPRODUCED +v-sampled .*"), follow.out());
        assertTrue(follow.out().matches("(?s).*verified \\d+: \\d+ reproduced, 1 mismatched.*"), follow.out());
        ConsistencyEvent event = TopicSnapshot.read(live.kafka, Topics.CONSISTENCY, ConsistencyEvent.class,
                        java.time.Duration.ofSeconds(30), new int[1]).stream()
                .filter(e -> e.getFingerprint().equals(tampered.getFingerprint())).findFirst().orElseThrow();
        assertEquals(MismatchEvent.ENGINE, event.getExpected().getProducer().getEngine());
        assertEquals(original.getOutputHash(), event.getExpected().getOutputHash(), "the CPU's output is the original");
        assertEquals(tampered.getOutputHash(), event.getActual().getOutputHash());
        assertEquals(5, event.getFirstDifference());

        // The service reads requests from --request-lookback before the oldest completion, not from the topic's
        // beginning: on a topic pair of their own, the request stamped two hours ago (first in its topic) is not
        // read with a 10-minute look-back, the one stamped now is.
        String reqTopic = "test.window.requests";
        String compTopic = "test.window.completions";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, live.stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(reqTopic, Optional.of(1), Optional.empty()),
                    new NewTopic(compTopic, Optional.of(1), Optional.empty()))).all().get();
        }
        try (var registry = new SchemaRegistryClient(RegistryConfig.of(live.stack.ccompatUrl()))) {
            TopicSchemas.ensureRegistered(registry, Map.of(reqTopic, InferenceRequest.getClassSchema(),
                    compTopic, Completion.getClassSchema()));
        }
        try (var requests = new KafkaProducer<String, InferenceRequest>(live.kafka.producer());
             var completions = new KafkaProducer<String, Completion>(live.kafka.producer())) {
            long now = System.currentTimeMillis();
            requests.send(new ProducerRecord<>(reqTopic, null, now - 7_200_000L, "v-sampled", byId.get("v-sampled"))).get();
            requests.send(new ProducerRecord<>(reqTopic, null, now, "v-greedy", byId.get("v-greedy"))).get();
            // as completions were written before they carried their sampling parameters: only their requests say
            for (Completion c : got) {
                completions.send(new ProducerRecord<>(compTopic, c.getRequestId(),
                        Completion.newBuilder(c).setSampling(null).build())).get();
            }
        }
        var window = GenerateCommandTest.run(concat(new String[] {"verify", "--follow", "--from-beginning", "--group",
                "test-window-" + System.nanoTime(), "--idle-timeout", "3", "--request-lookback", "600",
                "--request-wait", "2", "--requests-topic", reqTopic, "--completions-topic", compTopic}, where));
        assertTrue(window.out().matches("(?s).*\\n  REPRODUCED +v-greedy .*"), window.out());
        assertTrue(window.out().matches("(?s).*\\n  NOT_VERIFIABLE +v-sampled  it does not carry its sampling parameters.*"),
                window.out());
    }

    private static String print(CpuCheck c) {
        var bytes = new ByteArrayOutputStream();
        c.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
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
