package dev.invariant.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml is validated twice: by Docker Compose itself ({@code docker-compose config}, which checks it
 * against the Compose schema and needs no Docker engine; .ci/run installs Debian's docker-compose), and here for
 * what the schema cannot know: the services a Kafka deployment needs, one GPU per worker, images built from files
 * that exist, every environment variable a documented setting, Prometheus scraping services that exist.
 */
@SuppressWarnings("unchecked")
class ComposeFileTest {
    private static final Map<String, Object> COMPOSE = new Yaml().load(RepoFiles.read("docker-compose.yml"));
    private static final Map<String, Object> SERVICES = (Map<String, Object>) COMPOSE.get("services");
    private static final String DOC = RepoFiles.read("docs/configuration.md");

    @Test
    void dockerComposeAcceptsTheFileForEachProfile() throws Exception {
        List<String> compose = composeCommand();
        Assumptions.assumeTrue(compose != null, "no docker-compose here (apt-get install docker-compose)");
        for (String profile : List.of("gpu", "cpu")) {
            var cmd = new ArrayList<>(compose);
            cmd.addAll(List.of("--profile", profile, "config", "-q"));
            var p = new ProcessBuilder(cmd).directory(RepoFiles.root().toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), "docker-compose config (profile " + profile + "): " + out);
        }
    }

    @Test
    void servicesAreThoseOfAKafkaDeploymentWithOneGpuPerWorker() {
        assertTrue(SERVICES.keySet().containsAll(List.of("kafka", "registry", "worker-cpu", "monitor", "prometheus",
                "grafana")), SERVICES.keySet().toString());
        Map<String, Object> kafka = service("kafka");
        assertTrue(((String) kafka.get("image")).startsWith("apache/kafka:"));
        assertTrue(env("kafka").get("KAFKA_PROCESS_ROLES").toString().contains("controller"), "KRaft, no ZooKeeper");
        assertTrue(((String) service("registry").get("image")).startsWith("apicurio/apicurio-registry"));
        Set<Object> gpus = new HashSet<>();
        List<String> gpuWorkers = SERVICES.keySet().stream().filter(s -> s.startsWith("worker-gpu")).toList();
        assertTrue(gpuWorkers.size() >= 1);
        for (String w : gpuWorkers) {
            assertEquals(List.of("gpu"), service(w).get("profiles"), w);
            assertEquals("cuda", env(w).get("INVARIANT_BACKEND"), w);
            var deploy = (Map<String, Object>) service(w).get("deploy");
            var devices = (List<Map<String, Object>>) ((Map<String, Object>) ((Map<String, Object>) deploy
                    .get("resources")).get("reservations")).get("devices");
            assertEquals(1, devices.size(), w);
            assertEquals("nvidia", devices.getFirst().get("driver"), w);
            assertEquals(List.of("gpu"), devices.getFirst().get("capabilities"), w);
            var ids = (List<Object>) devices.getFirst().get("device_ids");
            assertEquals(1, ids.size(), w + " reserves one GPU");
            assertTrue(gpus.add(ids.getFirst()), w + " shares GPU " + ids.getFirst() + " with another worker");
        }
        assertEquals(List.of("cpu"), service("worker-cpu").get("profiles"));
        assertEquals("cpu", env("worker-cpu").get("INVARIANT_BACKEND"));
    }

    @Test
    void imagesAreBuiltFromTheApplicationsMavenBuilds() throws IOException {
        for (String s : SERVICES.keySet()) {
            var build = (Map<String, Object>) service(s).get("build");
            if (build == null) continue;
            Path dockerfile = RepoFiles.root().resolve((String) build.get("context")).resolve((String) build.get("dockerfile"));
            assertTrue(Files.isRegularFile(dockerfile), s + ": " + dockerfile);
            Matcher copy = Pattern.compile("(?m)^COPY (\\S+)").matcher(Files.readString(dockerfile));
            assertTrue(copy.find(), dockerfile + " copies nothing");
            String from = copy.group(1);
            assertTrue(from.endsWith("/target/quarkus-app/"), from);
            Path module = RepoFiles.root().resolve(from.substring(0, from.indexOf("/target/")));
            assertTrue(Files.isRegularFile(module.resolve("pom.xml")), s + " copies from " + module + ", not a module");
            assertTrue(RepoFiles.read(".dockerignore").contains("!" + from.substring(0, from.length() - 1)),
                    ".dockerignore must let " + from + " into the build context");
        }
    }

    @Test
    void everyServiceSettingIsADocumentedOneAndEveryVariableIsDocumented() {
        Set<String> workerEnv = envColumn("Inference worker");
        workerEnv.addAll(envColumn("Kafka clients"));
        Set<String> monitorEnv = envColumn("Consistency monitor");
        monitorEnv.addAll(envColumn("Kafka clients"));
        for (String s : SERVICES.keySet()) {
            Set<String> allowed = s.startsWith("worker-") ? workerEnv : s.equals("monitor") ? monitorEnv : null;
            if (allowed == null) continue;
            for (String k : env(s).keySet()) assertTrue(allowed.contains(k), s + ": " + k + " is not a documented setting");
        }
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*)").matcher(RepoFiles.read("docker-compose.yml"));
        while (m.find()) used.add(m.group(1));
        assertEquals(new TreeSet<>(RepoFiles.table(DOC, "`docker-compose.yml`").keySet()), used,
                "variables of docker-compose.yml vs its table in docs/configuration.md");
    }

    @Test
    void prometheusScrapesServicesThatExistAndGrafanaGetsTheDashboard() {
        Map<String, Object> prometheus = new Yaml().load(RepoFiles.read("deploy/prometheus.yml"));
        var jobs = (List<Map<String, Object>>) prometheus.get("scrape_configs");
        Set<String> scraped = new HashSet<>();
        for (var job : jobs) {
            assertEquals("/q/metrics", job.get("metrics_path"));
            for (var sc : (List<Map<String, Object>>) job.get("static_configs")) {
                for (String target : (List<String>) sc.get("targets")) {
                    String host = target.substring(0, target.indexOf(':'));
                    assertTrue(SERVICES.containsKey(host), target + " is not a compose service");
                    String port = host.equals("monitor") ? "8090" : "8080";
                    assertTrue(target.endsWith(":" + port), target);
                    scraped.add(host);
                }
            }
        }
        assertTrue(scraped.contains("monitor") && scraped.containsAll(SERVICES.keySet().stream()
                .filter(s -> s.startsWith("worker-")).toList()), "scraped: " + scraped);
        var volumes = (List<String>) service("grafana").get("volumes");
        assertTrue(volumes.stream().anyMatch(v -> v.startsWith("./services/consistency-monitor/grafana:")), volumes.toString());
        assertTrue(Files.isRegularFile(RepoFiles.root().resolve("services/consistency-monitor/grafana/invariant-consistency.json")));
        assertTrue(RepoFiles.read("deploy/grafana/provisioning/datasources/prometheus.yml").contains("url: http://prometheus:9090"));
    }

    private static Map<String, Object> service(String name) {
        var s = (Map<String, Object>) SERVICES.get(name);
        assertTrue(s != null, "no service " + name);
        return s;
    }

    private static Map<String, Object> env(String name) {
        return (Map<String, Object>) service(name).get("environment");
    }

    private static Set<String> envColumn(String section) {
        Set<String> out = new HashSet<>();
        RepoFiles.table(DOC, section).values().forEach(cells -> out.add(cells.getFirst().replace("`", "")));
        return out;
    }

    private static List<String> composeCommand() throws InterruptedException {
        for (List<String> cmd : List.of(List.of("docker-compose"), List.of("docker", "compose"))) {
            try {
                var args = new ArrayList<>(cmd);
                args.add("version");
                var p = new ProcessBuilder(args).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) return cmd;
            } catch (IOException e) {
                // not installed
            }
        }
        return null;
    }
}
