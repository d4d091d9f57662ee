package dev.invariant.stack;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** {@code ./invariant stack}: starts the embedded broker and registry, prints their addresses, runs until Ctrl-C. */
public final class StackMain {
    private static final String USAGE = """
            Usage: invariant stack [--work-dir DIR] [--kafka-port N] [--registry-port N] [--topic NAME[:PARTITIONS]]...

            Starts a real single-node Kafka broker (KRaft) and the schema registry (Confluent-compatible API) on
            loopback ports, prints their addresses and runs until Ctrl-C. Data stays in the work dir between runs.

              --work-dir DIR        broker data, registry database and logs (default .invariant/stack)
              --kafka-port N        broker port, 0 for a free one (default %d)
              --registry-port N     registry HTTP port, 0 for a free one (default %d)
              --topic NAME[:P]      create this topic with P partitions (default 1) if it does not exist; repeatable
              --help                this text
            """.formatted(StackConfig.DEFAULT_KAFKA_PORT, StackConfig.DEFAULT_REGISTRY_PORT);

    private StackMain() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args, System.out));
        } catch (StackException e) {
            System.err.println("invariant stack: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Parses, starts, prints and blocks until the JVM is asked to stop; returns the exit code for bad usage. */
    static int run(String[] args, PrintStream out) {
        Path workDir = Path.of(".invariant", "stack");
        int kafkaPort = StackConfig.DEFAULT_KAFKA_PORT;
        int registryPort = StackConfig.DEFAULT_REGISTRY_PORT;
        List<TopicSpec> topics = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--work-dir" -> workDir = Path.of(value(args, ++i, arg));
                case "--kafka-port" -> kafkaPort = port(value(args, ++i, arg), arg);
                case "--registry-port" -> registryPort = port(value(args, ++i, arg), arg);
                case "--topic" -> topics.add(TopicSpec.parse(value(args, ++i, arg)));
                default -> throw new StackException("unknown option '" + arg + "'; see --help");
            }
        }
        var config = StackConfig.defaults(workDir).withPorts(kafkaPort, registryPort).withTopics(topics);
        useFileLogging(config.workDir());
        out.println("Starting Kafka and the schema registry (work dir " + config.workDir() + ")...");
        var stack = EmbeddedStack.start(config);
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            out.println("Stopped.");
            stopped.countDown();
        }, "stack-stop"));
        printAddresses(stack, out);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    public static void printAddresses(EmbeddedStack stack, PrintStream out) {
        out.printf("""
                kafka      %s   (ready in %.1f s)
                registry   %s   (ready in %.1f s, pid %d)
                ccompat    %s
                topics     %s
                logs       %s, %s
                Press Ctrl-C to stop.
                """,
                stack.bootstrapServers(), stack.brokerStartTime().toMillis() / 1000.0,
                stack.registryUrl(), stack.registryStartTime().toMillis() / 1000.0, stack.registryPid(),
                stack.ccompatUrl(),
                topics(stack.config().topics()),
                stack.config().workDir().resolve("kafka.log"), stack.registryLog());
    }

    private static String topics(List<TopicSpec> topics) {
        if (topics.isEmpty()) {
            return "(none asked for)";
        }
        return String.join(", ", topics.stream().map(t -> t.name() + " (" + t.partitions() + " partitions)").toList());
    }

    // The broker logs through slf4j -> log4j2; its log goes to a file in the work dir unless configured otherwise.
    public static void useFileLogging(Path workDir) {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "invariant-stack-log4j2.xml");
            System.setProperty("invariant.stack.log", workDir.resolve("kafka.log").toString());
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new StackException(option + " needs a value; see --help");
        }
        return args[i];
    }

    private static int port(String text, String option) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new StackException(option + " '" + text + "' is not a port number (0 for a free port)");
        }
    }
}
