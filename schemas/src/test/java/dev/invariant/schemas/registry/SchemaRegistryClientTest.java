package dev.invariant.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.CompletionChunk;
import dev.invariant.schemas.Samples;
import dev.invariant.schemas.serde.AvroWireCodec;
import dev.invariant.schemas.serde.ConfluentAvroDeserializer;
import dev.invariant.schemas.serde.ConfluentAvroSerializer;
import dev.invariant.schemas.serde.UnreadableRecordException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** What happens with no registry listening: transient failures, never "unreadable record". */
class SchemaRegistryClientTest {

    static RegistryConfig nobodyListening() throws IOException {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return new RegistryConfig(URI.create("http://127.0.0.1:" + port + "/apis/ccompat/v7/"), Duration.ofSeconds(2), null);
    }

    @Test
    void unreachableRegistryIsTransientAndNamesTheUrl() throws IOException {
        var config = nobodyListening();
        assertEquals(false, config.baseUrl().toString().endsWith("/"));
        try (var client = new SchemaRegistryClient(config)) {
            var e = assertThrows(RegistryException.class, () -> client.register("s-value", CompletionChunk.getClassSchema()));
            assertTrue(e.isTransient());
            assertFalse(e.isNotFound());
            assertTrue(e.getMessage().contains(config.baseUrl().toString()), e.getMessage());
        }
    }

    @Test
    void deserializerWithoutRegistryRetriesRatherThanDeadLetters() throws IOException {
        byte[] bytes = new AvroWireCodec<CompletionChunk>(null).encode(5, Samples.chunk("r", 0));
        try (var client = new SchemaRegistryClient(nobodyListening());
             var deserializer = new ConfluentAvroDeserializer<>(client, CompletionChunk.class)) {
            var e = assertThrows(SerializationException.class, () -> deserializer.deserialize("t", bytes));
            assertFalse(e instanceof UnreadableRecordException, "a registry outage must not dead-letter records");
            assertInstanceOf(RegistryException.class, e.getCause());
        }
    }

    @Test
    void serializerWithoutRegistryFailsTheSend() throws IOException {
        try (var client = new SchemaRegistryClient(nobodyListening());
             var serializer = new ConfluentAvroSerializer<CompletionChunk>(client, true, false)) {
            var e = assertThrows(SerializationException.class, () -> serializer.serialize("t", Samples.chunk("r", 0)));
            assertTrue(e.getMessage().contains("t-value"), e.getMessage());
        }
    }

    @Test
    void configRefusesWhatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> RegistryConfig.of("ftp://h/x"));
        assertThrows(IllegalArgumentException.class, () -> RegistryConfig.of("http:///nohost"));
        assertThrows(IllegalArgumentException.class,
                () -> new RegistryConfig(URI.create("http://h:1"), Duration.ZERO, null));
        assertThrows(IllegalArgumentException.class,
                () -> new RegistryConfig(URI.create("http://h:1"), Duration.ofSeconds(1), "no-colon"));
    }
}
