package dev.invariant.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/** The benchmark's own decoding of answers: the consumer left with raw values, the decoding times kept apart. */
class ClientDecodeTest {

    @Test
    void theConsumerHandsOverBytesAndEachAnswerSplitsIntoArrivalAndDecoding() {
        var kafka = WorkerRoundTrip.clients("localhost:9", "http://localhost:9/apis/ccompat/v7");
        var decode = new ClientDecode<>(kafka, Completion.class);
        try {
            assertEquals(ByteArrayDeserializer.class.getName(),
                    decode.consumerSettings().get(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG));
            assertTrue(Double.isNaN(decode.decodeP50()));
            decode.measured(5.0, 1_000_000L);   // 5 ms round trip, 1 ms of it decoding
            decode.measured(7.0, 500_000L);
            decode.measured(6.0, 2_000_000L);
            assertEquals(1.0, decode.decodeP50());
            assertEquals(4.0, decode.arrivalP50()); // 4.0, 6.5, 4.0
            // Not the wire format: the Avro deserializer's own error, thrown here and not inside poll()
            assertThrows(SerializationException.class, () -> decode.decode("t", new byte[] {1, 2, 3}));
        } finally {
            decode.close();
        }
    }
}
