package dev.invariant.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * What the embedded stack starts with.
 *
 * @param workDir       where the broker's log dirs, the registry's database and both logs live; reused on restart
 * @param kafkaPort     the broker's loopback port, 0 for a free one
 * @param registryPort  the registry's loopback HTTP port, 0 for a free one
 * @param topics        topics created at start (existing ones are kept as they are)
 * @param startTimeout  how long each of the broker and the registry may take to answer
 * @param registryHome  the {@code services/registry} folder: its build script and the built application
 * @param saslPlain     when not null, the broker also listens for SASL_PLAINTEXT clients (mechanism PLAIN) on a
 *                      free port and knows this one user; the PLAINTEXT listener stays
 */
public record StackConfig(Path workDir, int kafkaPort, int registryPort, List<TopicSpec> topics,
                          Duration startTimeout, Path registryHome, SaslPlain saslPlain) {

    /** A user of the broker's SASL/PLAIN listener. */
    public record SaslPlain(String user, String password) {
        public SaslPlain {
            if (user == null || user.isBlank() || password == null || password.isEmpty()) {
                throw new StackException("a SASL/PLAIN user needs a name and a password");
            }
            if (user.contains("\"") || password.contains("\"")) {
                throw new StackException("a SASL/PLAIN user name or password cannot contain '\"'");
            }
        }

        /** The client's {@code sasl.jaas.config} for this user. */
        public String jaasConfig() {
            return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                    + "\" password=\"" + password + "\";";
        }
    }

    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(180);
    /** The ports {@code ./invariant stack} uses unless told otherwise; the CLI's defaults point at them. */
    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_REGISTRY_PORT = 8081;

    public StackConfig(Path workDir, int kafkaPort, int registryPort, List<TopicSpec> topics, Duration startTimeout,
                       Path registryHome) {
        this(workDir, kafkaPort, registryPort, topics, startTimeout, registryHome, null);
    }

    public StackConfig {
        if (workDir == null) {
            throw new StackException("the stack needs a work dir: give --work-dir or StackConfig.defaults(dir)");
        }
        workDir = workDir.toAbsolutePath().normalize();
        checkPort("kafka", kafkaPort);
        checkPort("registry", registryPort);
        if (kafkaPort != 0 && kafkaPort == registryPort) {
            throw new StackException("the kafka and registry ports are both " + kafkaPort + ": give two different ports");
        }
        topics = List.copyOf(topics == null ? List.of() : topics);
        var names = new HashSet<String>();
        for (var t : topics) {
            if (!names.add(t.name())) {
                throw new StackException("topic " + t.name() + " is listed twice: list each topic once");
            }
        }
        if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
            throw new StackException("start timeout must be positive, got " + startTimeout);
        }
        if (registryHome == null) {
            throw new StackException("registry home is not set: use StackConfig.defaults(dir), which locates it");
        }
        registryHome = registryHome.toAbsolutePath().normalize();
    }

    /** Free ports, no topics, the default timeout and the registry found by {@link RegistryBuild#locateHome()}. */
    public static StackConfig defaults(Path workDir) {
        return new StackConfig(workDir, 0, 0, List.of(), DEFAULT_START_TIMEOUT, RegistryBuild.locateHome());
    }

    public StackConfig withPorts(int kafka, int registry) {
        return new StackConfig(workDir, kafka, registry, topics, startTimeout, registryHome, saslPlain);
    }

    public StackConfig withTopics(List<TopicSpec> newTopics) {
        return new StackConfig(workDir, kafkaPort, registryPort, newTopics, startTimeout, registryHome, saslPlain);
    }

    public StackConfig withStartTimeout(Duration timeout) {
        return new StackConfig(workDir, kafkaPort, registryPort, topics, timeout, registryHome, saslPlain);
    }

    /** The broker also serves SASL_PLAINTEXT clients authenticating as this user. */
    public StackConfig withSaslPlain(String user, String password) {
        return new StackConfig(workDir, kafkaPort, registryPort, topics, startTimeout, registryHome,
                new SaslPlain(user, password));
    }

    private static void checkPort(String what, int port) {
        if (port < 0 || port > 65_535) {
            throw new StackException(what + " port must be 0 (a free port) or 1..65535, got " + port);
        }
    }
}
