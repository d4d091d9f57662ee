package dev.invariant.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.WithName;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is the one table of settings: every property it lists exists (in the service's
 * application.properties, its configuration interface, or Kafka's client settings) and every setting exists in it,
 * with the environment variable SmallRye Config reads for it.
 */
class ConfigurationDocTest {
    private static final String DOC = RepoFiles.read("docs/configuration.md");
    private static final String WORKER_PROPERTIES = "services/inference-worker/src/main/resources/application.properties";
    private static final String MONITOR_PROPERTIES = "services/consistency-monitor/src/main/resources/application.properties";
    /** Framework wiring in application.properties, not settings (the doc says so). */
    private static final List<String> WIRING = List.of("mp.messaging.", "quarkus.", "smallrye.", "kafka-streams.");

    @Test
    void everyWorkerSettingIsDocumentedAndEveryDocumentedOneExists() {
        Map<String, List<String>> rows = RepoFiles.table(DOC, "Inference worker");
        Set<String> mapped = mappedProperties(WorkerConfig.class, "invariant");
        Set<String> file = new HashSet<>(RepoFiles.propertyKeys(WORKER_PROPERTIES));
        Set<String> undocumented = new TreeSet<>(mapped);
        file.stream().filter(k -> !isWiring(k) && !k.startsWith("kafka.")).forEach(undocumented::add);
        undocumented.removeAll(rows.keySet());
        assertEquals(Set.of(), undocumented, "worker settings missing from docs/configuration.md");
        for (String p : rows.keySet()) {
            assertTrue(mapped.contains(p) || file.contains(p), p + " is in the doc but the worker has no such setting");
        }
        assertEnvColumn(rows);
    }

    @Test
    void everyMonitorSettingIsDocumentedAndEveryDocumentedOneExists() {
        Map<String, List<String>> rows = RepoFiles.table(DOC, "Consistency monitor");
        Set<String> file = new HashSet<>(RepoFiles.propertyKeys(MONITOR_PROPERTIES));
        Set<String> undocumented = new TreeSet<>();
        file.stream().filter(k -> k.startsWith("invariant.")).forEach(undocumented::add);
        undocumented.removeAll(rows.keySet());
        assertEquals(Set.of(), undocumented, "monitor settings missing from docs/configuration.md");
        for (String p : rows.keySet()) {
            // basic auth of the registry is optional (no default): it lives in MonitorConfig only
            assertTrue(file.contains(p) || p.equals("invariant.registry.basic-auth"),
                    p + " is in the doc but not in the monitor's application.properties");
        }
        assertEnvColumn(rows);
    }

    @Test
    void documentedKafkaSettingsAreKafkaClientSettings() {
        Map<String, List<String>> rows = RepoFiles.table(DOC, "Kafka clients");
        Set<String> kafka = new HashSet<>(ConsumerConfig.configNames());
        kafka.addAll(ProducerConfig.configNames());
        kafka.addAll(AdminClientConfig.configNames());
        for (String p : rows.keySet()) {
            assertTrue(p.startsWith("kafka.") && kafka.contains(p.substring("kafka.".length())),
                    p + " is not a Kafka client setting");
        }
        assertTrue(RepoFiles.propertyKeys(WORKER_PROPERTIES).contains("kafka.bootstrap.servers"));
        assertTrue(RepoFiles.propertyKeys(MONITOR_PROPERTIES).contains("kafka.bootstrap.servers"));
        assertEnvColumn(rows);
    }

    private static void assertEnvColumn(Map<String, List<String>> rows) {
        rows.forEach((p, cells) -> assertEquals("`" + RepoFiles.envName(p) + "`", cells.getFirst(),
                "environment variable of " + p));
    }

    private static boolean isWiring(String key) {
        return WIRING.stream().anyMatch(key::startsWith);
    }

    /** The property names a SmallRye {@code @ConfigMapping} interface defines (kebab-case, nested groups). */
    static Set<String> mappedProperties(Class<?> type, String prefix) {
        var out = new TreeSet<String>();
        for (Method m : type.getDeclaredMethods()) {
            if (m.isDefault() || m.isSynthetic() || m.getParameterCount() > 0
                    || java.lang.reflect.Modifier.isStatic(m.getModifiers())) continue;
            WithName named = m.getAnnotation(WithName.class);
            String name = prefix + "." + (named != null ? named.value() : kebab(m.getName()));
            if (m.getReturnType().isInterface() && m.getReturnType().getEnclosingClass() == type) {
                out.addAll(mappedProperties(m.getReturnType(), name));
            } else {
                out.add(name);
            }
        }
        return out;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
