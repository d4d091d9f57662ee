package dev.invariant.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A start that cannot succeed fails with a message that says where to look, and leaves nothing running. */
class StackFailureTest {
    @TempDir
    Path work;

    @Test
    void aTakenRegistryPortFailsNamingTheRegistryLogAndStopsTheBroker() throws Exception {
        int kafkaPort = FreePorts.pick(0)[0];
        try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var config = StackConfig.defaults(work).withPorts(kafkaPort, taken.getLocalPort())
                    .withStartTimeout(Duration.ofSeconds(120));
            var e = assertThrows(StackException.class, () -> EmbeddedStack.start(config));
            assertTrue(e.getMessage().contains(work.resolve("registry.log").toString()), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(taken.getLocalPort())), e.getMessage());
            assertTrue(Files.size(work.resolve("registry.log")) > 0, "the registry log is empty");
        }
        assertNoChildProcesses();
        // The broker let go of its port.
        try (var again = new ServerSocket(kafkaPort, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(kafkaPort, again.getLocalPort());
        }
    }

    @Test
    void aTakenKafkaPortFailsNamingThePortAndStopsTheRegistry() throws Exception {
        try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var config = StackConfig.defaults(work).withPorts(taken.getLocalPort(), 0)
                    .withStartTimeout(Duration.ofSeconds(120));
            var e = assertThrows(StackException.class, () -> EmbeddedStack.start(config));
            assertTrue(e.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("--kafka-port"), e.getMessage());
        }
        assertNoChildProcesses();
    }

    private static void assertNoChildProcesses() {
        var children = ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList();
        assertTrue(children.isEmpty(), "left running: " + children.stream().map(p -> p.info().commandLine()).toList());
    }
}
