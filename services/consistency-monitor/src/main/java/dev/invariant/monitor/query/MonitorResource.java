package dev.invariant.monitor.query;

import dev.invariant.monitor.MonitorConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The dashboard's read-only API. {@code /api/...} answers for the whole cluster; {@code /api/local/...} for this
 * instance's partitions only (what the other instances ask).
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class MonitorResource {
    private static final Logger LOG = Logger.getLogger(MonitorResource.class);
    private static final int MAX_ID = 512;

    @Inject
    Cluster cluster;
    @Inject
    MonitorConfig config;

    @GET
    @Path("overview")
    public Response overview() {
        return answer(() -> Optional.of(cluster.overview()));
    }

    /** The overview, pushed every push interval (server-sent events), for as long as the page is open. */
    @GET
    @Path("stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<Overview> stream() {
        Duration every = config.dashboard().pushInterval();
        return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(10)).every(every)
                .onOverflow().drop()
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(tick -> {
                    try {
                        return cluster.overview();
                    } catch (InvalidStateStoreException e) {
                        LOG.debugf("no overview this tick: %s", e.getMessage());
                        return null;
                    }
                })
                .select().where(Objects::nonNull);
    }

    @GET
    @Path("fingerprints/{fingerprint}")
    public Response fingerprint(@PathParam("fingerprint") String fingerprint) {
        if (bad(fingerprint)) return badRequest("fingerprint");
        return answer(() -> cluster.fingerprint(fingerprint));
    }

    @GET
    @Path("requests/{id}")
    public Response request(@PathParam("id") String requestId) {
        if (bad(requestId)) return badRequest("request id");
        return answer(() -> {
            Optional<String> fp = cluster.requestFingerprint(requestId);
            if (fp.isEmpty()) return Optional.empty();
            return Optional.of(Map.of("requestId", requestId, "fingerprint", fp.get(),
                    "view", cluster.fingerprint(fp.get()).orElse(null)));
        });
    }

    @GET
    @Path("local/snapshot")
    public Response localSnapshot() {
        return answer(() -> Optional.of(cluster.localSnapshot()));
    }

    @GET
    @Path("local/fingerprints/{fingerprint}")
    public Response localFingerprint(@PathParam("fingerprint") String fingerprint) {
        if (bad(fingerprint)) return badRequest("fingerprint");
        return answer(() -> cluster.localFingerprint(fingerprint));
    }

    @GET
    @Path("local/requests/{id}")
    public Response localRequest(@PathParam("id") String requestId) {
        if (bad(requestId)) return badRequest("request id");
        return answer(() -> cluster.local().requestFingerprint(requestId).map(fp -> new Cluster.RequestRef(requestId, fp)));
    }

    private interface Query {
        Optional<?> run() throws IOException;
    }

    private static Response answer(Query q) {
        try {
            return q.run().map(v -> Response.ok(v).build())
                    .orElseGet(() -> Response.status(404).entity(Map.of("error", "not found")).build());
        } catch (InvalidStateStoreException e) {
            return Response.status(503).entity(Map.of("error", "the monitor's stores are not ready yet (starting or"
                    + " rebalancing): retry in a moment")).build();
        } catch (IOException e) {
            return Response.status(502).entity(Map.of("error", "another monitor instance did not answer: "
                    + e.getMessage())).build();
        }
    }

    private static boolean bad(String id) {
        return id == null || id.isBlank() || id.length() > MAX_ID;
    }

    private static Response badRequest(String what) {
        return Response.status(400).entity(Map.of("error", what + " must be 1 to " + MAX_ID + " characters")).build();
    }
}
