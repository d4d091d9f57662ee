package dev.invariant.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Starts a real broker and a real registry once, exercises both, then restarts them on the same work dir. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedStackTest {
    private static final String TOPIC = "stack-test.records";
    private static final String COMPACTED = "stack-test.compacted";
    private static final String SUBJECT = TOPIC + "-value";
    private static final String SCHEMA = """
            {"type":"record","name":"Probe","namespace":"dev.invariant.test",\
            "fields":[{"name":"id","type":"string"},{"name":"n","type":"long"}]}""";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static EmbeddedStack stack;
    static StackClients clients;
    static int schemaId;

    @BeforeAll
    static void start() {
        stack = EmbeddedStack.start(StackConfig.defaults(work).withTopics(List.of(new TopicSpec(TOPIC, 3),
                new TopicSpec(COMPACTED, 1, Map.of("cleanup.policy", "compact")))));
        clients = new StackClients(stack);
        System.out.printf("stack up: kafka %s in %d ms, registry %s in %d ms%n", stack.bootstrapServers(),
                stack.brokerStartTime().toMillis(), stack.registryUrl(), stack.registryStartTime().toMillis());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void addressesAreLoopbackAndWrittenToTheWorkDir() throws Exception {
        assertTrue(stack.bootstrapServers().matches("127\\.0\\.0\\.1:\\d+"), stack.bootstrapServers());
        assertTrue(stack.registryUrl().matches("http://127\\.0\\.0\\.1:\\d+"), stack.registryUrl());
        assertEquals(stack.registryUrl() + "/apis/ccompat/v7", stack.ccompatUrl());
        var file = new Properties();
        try (var in = Files.newBufferedReader(work.resolve(EmbeddedStack.ADDRESSES_FILE))) {
            file.load(in);
        }
        assertEquals(stack.bootstrapServers(), file.getProperty("bootstrap.servers"));
        assertEquals(stack.ccompatUrl(), file.getProperty("ccompat.url"));
    }

    @Test
    @Order(2)
    void createsTheConfiguredTopics() throws Exception {
        try (var admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            var description = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            assertEquals(3, description.partitions().size());
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, COMPACTED);
            assertEquals("compact", admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get("cleanup.policy").value(), "a topic's configs are applied when it is created");
            var broker = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1");
            assertEquals(String.valueOf(4 << 20), admin.describeConfigs(List.of(broker)).all().get().get(broker)
                    .get("log.cleaner.dedupe.buffer.size").value(), "the cleaner's key map is not 128 MB of heap");
        }
    }

    @Test
    @Order(2)
    void aFatalBrokerExitNamesItsThread() {
        String message = KafkaBroker.fatalExitMessage("halted", 1, null);
        assertTrue(message.contains("status 1 from thread '" + Thread.currentThread().getName() + "'"), message);
    }

    @Test
    @Order(3)
    void producesAndConsumesARecord() throws Exception {
        clients.produce(TOPIC, "key-1", "value-1");
        var records = clients.consumeAll(TOPIC, 1, Duration.ofSeconds(60));
        assertEquals(List.of("key-1=value-1"), records);
    }

    @Test
    @Order(4)
    void registersASchemaThroughTheConfluentApiAndReadsItBackById() throws Exception {
        schemaId = clients.registerSchema(SUBJECT, SCHEMA);
        assertTrue(schemaId > 0, "id " + schemaId);
        assertEquals(JSON.readTree(SCHEMA), JSON.readTree(clients.schemaById(schemaId)));
        assertEquals(List.of(SUBJECT), clients.subjects());
        // Registering the same schema again gives the same id, as the Confluent API specifies.
        assertEquals(schemaId, clients.registerSchema(SUBJECT, SCHEMA));
    }

    @Test
    @Order(5)
    void theRegistryIsAChildProcessOfThisJvm() {
        var registry = ProcessHandle.of(stack.registryPid()).orElseThrow();
        assertTrue(registry.isAlive());
        assertEquals(ProcessHandle.current().pid(), registry.parent().orElseThrow().pid());
    }

    @Test
    @Order(6)
    void restartOnTheSameWorkDirKeepsRecordsTopicsAndSchemas() throws Exception {
        long oldRegistry = stack.registryPid();
        stack.close();
        stack.close(); // idempotent
        assertFalse(ProcessHandle.of(oldRegistry).map(ProcessHandle::isAlive).orElse(false),
                "the registry process must be gone after close");
        assertFalse(Files.exists(work.resolve(EmbeddedStack.ADDRESSES_FILE)));

        stack = EmbeddedStack.start(StackConfig.defaults(work).withTopics(List.of(new TopicSpec(TOPIC, 3),
                new TopicSpec(COMPACTED, 1, Map.of("cleanup.policy", "compact")))));
        clients = new StackClients(stack);
        assertEquals(List.of("key-1=value-1"), clients.consumeAll(TOPIC, 1, Duration.ofSeconds(60)));
        assertEquals(JSON.readTree(SCHEMA), JSON.readTree(clients.schemaById(schemaId)));
        assertEquals(List.of(SUBJECT), clients.subjects());
    }
}
