package dev.invariant.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionChunk;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.LiveStack;
import dev.invariant.schemas.Samples;
import dev.invariant.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Records through a real broker and registry, configured the way services configure Kafka clients. */
class KafkaRoundTripTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, Object> producerProps() {
        var props = new HashMap<String, Object>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LiveStack.get().bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ConfluentAvroSerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(SerdeConfig.REGISTRY_URL, LiveStack.get().ccompatUrl());
        return props;
    }

    /** The value of the first record with {@code key} in partition 0 of {@code topic}, read from the start. */
    static <V> V read(String topic, Map<String, Object> extra, String key) {
        var props = new HashMap<String, Object>(extra);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LiveStack.get().bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (var consumer = new KafkaConsumer<String, V>(props)) {
            var partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) return r.value();
                }
            }
        }
        throw new AssertionError("no record with key " + key + " in " + topic + " within 30 s");
    }

    static <T extends SpecificRecord> void produce(String topic, String key, T value) throws Exception {
        try (var producer = new KafkaProducer<String, T>(producerProps())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    static JsonNode getJson(String url) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            var response = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), url + " -> " + response.body());
            return JSON.readTree(response.body());
        }
    }

    @Test
    void completionBytesAreConfluentWireFormatResolvableAtTheRegistry() throws Exception {
        Completion completion = Samples.completion("wire-1");
        produce(Topics.COMPLETIONS, "wire-1", completion);

        byte[] bytes = read(Topics.COMPLETIONS,
                Map.of(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()), "wire-1");

        assertEquals(0, bytes[0], "magic byte");
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        // The id resolves, through the registry's own ccompat API, to exactly our schema file's text (what a
        // client registering Completion.avsc sends, docs/registry.md), which reads these bytes back ...
        String ccompat = LiveStack.get().ccompatUrl();
        JsonNode byId = getJson(ccompat + "/schemas/ids/" + id);
        assertEquals(java.nio.file.Files.readString(java.nio.file.Path.of("src/main/avro/Completion.avsc")),
                byId.get("schema").asText());
        Schema writer = new Schema.Parser().parse(byId.get("schema").asText());
        var decoder = org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
        assertEquals(completion, new org.apache.avro.specific.SpecificDatumReader<Completion>(writer,
                Completion.getClassSchema()).read(null, decoder));
        // ... registered under the TopicNameStrategy subject ...
        JsonNode latest = getJson(ccompat + "/subjects/" + Topics.COMPLETIONS + "-value/versions/latest");
        assertEquals(id, latest.get("id").asInt());
        // ... and the rest is plain Avro binary of the record.
        var plain = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(plain, null);
        new SpecificDatumWriter<Completion>(Completion.class).write(completion, encoder);
        encoder.flush();
        assertArrayEquals(plain.toByteArray(), Arrays.copyOfRange(bytes, 5, bytes.length));
    }

    @Test
    void everyRecordTypeRoundTripsThroughBrokerAndRegistry() throws Exception {
        roundTrip(Topics.REQUESTS, "rt-req", Samples.request("rt-req"), InferenceRequest.class);
        roundTrip(Topics.COMPLETIONS, "rt-done", Samples.failedCompletion("rt-done"), Completion.class);
        roundTrip(Topics.CHUNKS, "rt-chunk", Samples.chunk("rt-chunk", 0), CompletionChunk.class);
        roundTrip(Topics.DLQ, "rt-dead", Samples.deadLetter(), null);
    }

    private static <T extends SpecificRecord> void roundTrip(String topic, String key, T value, Class<T> type)
            throws Exception {
        produce(topic, key, value);
        var props = new HashMap<String, Object>();
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConfluentAvroDeserializer.class.getName());
        props.put(SerdeConfig.REGISTRY_URL, LiveStack.get().ccompatUrl());
        if (type != null) props.put(SerdeConfig.VALUE_TYPE, type.getName()); // else: the class the writer names
        assertEquals(value, read(topic, props, key));
    }
}
