package dev.invariant.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StackConfigTest {
    private static final Path HOME = Path.of("registry-home");

    private static StackConfig config(int kafka, int registry, List<TopicSpec> topics, Duration timeout) {
        return new StackConfig(Path.of("work"), kafka, registry, topics, timeout, HOME);
    }

    @Test
    void acceptsFreeAndFixedPorts() {
        var c = config(0, 0, List.of(new TopicSpec("a.b-c_1", 3)), Duration.ofSeconds(5));
        assertTrue(c.workDir().isAbsolute());
        assertEquals(List.of(new TopicSpec("a.b-c_1", 3)), c.topics());
        assertEquals(9092, config(9092, 8081, List.of(), Duration.ofSeconds(1)).kafkaPort());
    }

    @Test
    void rejectsBadPortsAndTimeouts() {
        var e = assertThrows(StackException.class, () -> config(-1, 0, List.of(), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("kafka port"), e.getMessage());
        assertThrows(StackException.class, () -> config(0, 65_536, List.of(), Duration.ofSeconds(1)));
        var same = assertThrows(StackException.class, () -> config(9000, 9000, List.of(), Duration.ofSeconds(1)));
        assertTrue(same.getMessage().contains("two different ports"), same.getMessage());
        assertThrows(StackException.class, () -> config(0, 0, List.of(), Duration.ZERO));
        assertThrows(StackException.class, () -> new StackConfig(null, 0, 0, List.of(), Duration.ofSeconds(1), HOME));
    }

    @Test
    void rejectsDuplicateTopics() {
        var e = assertThrows(StackException.class, () ->
                config(0, 0, List.of(new TopicSpec("t", 1), new TopicSpec("t", 2)), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
    }

    @Test
    void topicNamesFollowKafkaRules() {
        assertThrows(StackException.class, () -> new TopicSpec("has space", 1));
        assertThrows(StackException.class, () -> new TopicSpec("..", 1));
        assertThrows(StackException.class, () -> new TopicSpec("x".repeat(250), 1));
        assertThrows(StackException.class, () -> new TopicSpec("ok", 0));
    }

    @Test
    void parsesTopicsFromTheCommandLine() {
        assertEquals(new TopicSpec("invariant.requests", 4), TopicSpec.parse("invariant.requests:4"));
        assertEquals(new TopicSpec("plain", 1), TopicSpec.parse("plain"));
        var e = assertThrows(StackException.class, () -> TopicSpec.parse("t:many"));
        assertTrue(e.getMessage().contains("not a number"), e.getMessage());
    }
}
