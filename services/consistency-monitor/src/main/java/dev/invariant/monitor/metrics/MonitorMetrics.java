package dev.invariant.monitor.metrics;

import dev.invariant.monitor.topology.Dims;
import dev.invariant.monitor.topology.Totals;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The monitor's Prometheus metrics (at {@code /q/metrics}), from this instance's partitions (a cluster's figures are
 * the sum over instances; its consistency rate is 1 − Σ divergent ÷ Σ repeated):
 * {@code invariant_consistency_rate}, {@code invariant_fingerprints_tracked}, {@code invariant_fingerprints_repeated},
 * {@code invariant_fingerprints_divergent}, {@code invariant_divergences_total{model,engine,profile,backend}},
 * {@code invariant_completions_total{...}} and {@code invariant_completions_skipped_total}.
 */
@ApplicationScoped
public class MonitorMetrics {
    @Inject
    MeterRegistry registry;

    private volatile Map<String, Totals> totals = Map.of();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private Counter skipped;

    @PostConstruct
    void init() {
        skipped = Counter.builder("invariant.completions.skipped")
                .description("Records of the completions topic that could not be read and were skipped").register(registry);
        Gauge.builder("invariant.consistency.rate", this, m -> m.sum().consistencyRate())
                .description("Fingerprints seen at least twice with one output hash / fingerprints seen at least twice")
                .register(registry);
        Gauge.builder("invariant.fingerprints.tracked", this, m -> m.sum().fingerprints)
                .description("Distinct fingerprints tracked").register(registry);
        Gauge.builder("invariant.fingerprints.repeated", this, m -> m.sum().repeated)
                .description("Fingerprints seen at least twice").register(registry);
        Gauge.builder("invariant.fingerprints.divergent", this, m -> m.sum().divergent)
                .description("Fingerprints with two or more distinct output hashes").register(registry);
    }

    /** A record of the completions topic was skipped. */
    public void skipped(String reason) {
        skipped.increment();
    }

    /** The latest totals of this instance's partitions, by breakdown key. */
    public void update(Map<String, Totals> byDims) {
        totals = Map.copyOf(byDims);
        for (String key : byDims.keySet()) {
            if (!registered.add(key)) continue;
            Dims d = Dims.parse(key);
            String[] tags = {"model", d.model(), "engine", d.engine(), "profile", d.profile(), "backend", d.backend()};
            FunctionCounter.builder("invariant.divergences", this, m -> m.get(key).divergences).tags(tags)
                    .description("Completions whose output hash was new for a fingerprint already answered").register(registry);
            FunctionCounter.builder("invariant.completions", this, m -> m.get(key).completions).tags(tags)
                    .description("Completions seen").register(registry);
        }
    }

    private Totals get(String key) {
        Totals t = totals.get(key);
        return t == null ? new Totals() : t;
    }

    private Totals sum() {
        Totals all = new Totals();
        totals.values().forEach(all::add);
        return all;
    }
}
