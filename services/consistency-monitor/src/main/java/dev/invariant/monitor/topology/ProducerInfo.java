package dev.invariant.monitor.topology;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Producer;

/** Who produced a completion: engine, version, backend, numerics profile and worker. */
public record ProducerInfo(String engine, String version, String backend, String profile, String worker) {

    public static ProducerInfo of(Completion c) {
        var e = c.getEngine();
        return new ProducerInfo(e == null ? "" : e.getName(), e == null ? "" : e.getVersion(),
                e == null ? "" : e.getBackend(), e == null ? "" : e.getNumericsProfile(),
                c.getWorkerId() == null ? "" : c.getWorkerId());
    }

    Producer toAvro() {
        return Producer.newBuilder().setEngine(engine).setVersion(version).setBackend(backend)
                .setNumericsProfile(profile).setWorkerId(worker).build();
    }
}
