package dev.invariant.monitor.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.monitor.MonitorConfig;
import dev.invariant.monitor.topology.StoreNames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Interactive queries across every instance that shares the application id: each instance answers for its own
 * partitions ({@code /api/local/...}); this one asks the others over HTTP (their {@code application.server}) and
 * adds their parts to its own. A key's owner is found through Kafka Streams' metadata.
 */
@ApplicationScoped
public class Cluster {
    @Inject
    KafkaStreams streams;
    @Inject
    MonitorConfig config;
    @Inject
    ObjectMapper json;
    @ConfigProperty(name = "quarkus.kafka-streams.application-server")
    String applicationServer;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private TokenStrings tokens;

    /** The model's tokenizer for token texts, loaded on first use ({@code invariant.dashboard.models-dir}). */
    private synchronized TokenStrings tokens() {
        if (tokens == null) tokens = new TokenStrings(config.dashboard().modelsDir().map(java.nio.file.Path::of));
        return tokens;
    }

    /** The fingerprint, when one of this instance's partitions holds it, with token texts where the tokenizer is here. */
    public Optional<FingerprintView> localFingerprint(String fingerprint) {
        return local().fingerprint(fingerprint).map(s -> FingerprintView.of(fingerprint, s, tokens()));
    }

    public LocalQueries local() {
        return new LocalQueries(new StreamsStoreAccess(streams), config.dashboard().maxDivergences());
    }

    /** This instance's snapshot for the configured history. */
    public Snapshot localSnapshot() {
        return local().snapshot(Instant.now(), config.dashboard().history());
    }

    /** The whole cluster's overview. */
    public Overview overview() {
        Snapshot all = Snapshot.empty().merge(localSnapshot());
        List<String> unreachable = new ArrayList<>();
        for (HostInfo other : others()) {
            try {
                all.merge(get(other, "/api/local/snapshot", Snapshot.class).orElseGet(Snapshot::empty));
            } catch (IOException e) {
                unreachable.add(other.host() + ":" + other.port() + " (" + e.getMessage() + ")");
            }
        }
        return Overview.of(all, config.monitor().window().toMillis(), System.currentTimeMillis(), unreachable,
                config.dashboard().maxDivergences());
    }

    /** The fingerprint, asked of the instance whose partition holds it. */
    public Optional<FingerprintView> fingerprint(String fingerprint) throws IOException {
        KeyQueryMetadata md = streams.queryMetadataForKey(StoreNames.FINGERPRINTS, fingerprint, Serdes.String().serializer());
        if (md == null || md == KeyQueryMetadata.NOT_AVAILABLE || self().equals(md.activeHost())) {
            return localFingerprint(fingerprint);
        }
        return get(md.activeHost(), "/api/local/fingerprints/" + encode(fingerprint), FingerprintView.class);
    }

    /** The fingerprint of a request id: requests are kept by the fingerprint's partition, so every instance is asked. */
    public Optional<String> requestFingerprint(String requestId) throws IOException {
        Optional<String> here = local().requestFingerprint(requestId);
        if (here.isPresent()) return here;
        for (HostInfo other : others()) {
            Optional<String> there = get(other, "/api/local/requests/" + encode(requestId), RequestRef.class)
                    .map(RequestRef::fingerprint);
            if (there.isPresent()) return there;
        }
        return Optional.empty();
    }

    /** A request id and its fingerprint. */
    public record RequestRef(String requestId, String fingerprint) {
    }

    private List<HostInfo> others() {
        HostInfo self = self();
        return streams.metadataForAllStreamsClients().stream().map(m -> m.hostInfo())
                .filter(h -> !h.equals(self)).distinct().toList();
    }

    private HostInfo self() {
        return HostInfo.buildFromEndpoint(applicationServer);
    }

    private <T> Optional<T> get(HostInfo host, String path, Class<T> type) throws IOException {
        var req = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path))
                .timeout(Duration.ofSeconds(5)).header("Accept", "application/json");
        config.dashboard().basicAuth().ifPresent(a -> req.header("Authorization",
                "Basic " + Base64.getEncoder().encodeToString(a.getBytes(StandardCharsets.UTF_8))));
        try {
            HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 404) return Optional.empty();
            if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode() + " from " + host + path);
            return Optional.of(json.readValue(r.body(), type));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + host, e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
