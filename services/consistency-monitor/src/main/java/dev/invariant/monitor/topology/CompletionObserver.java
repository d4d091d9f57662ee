package dev.invariant.monitor.topology;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.consistency.ConsistencyRule;
import dev.invariant.schemas.consistency.ConsistencyRule.Outcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Sees every completion, keyed by fingerprint (or request id when it has none): applies {@link ConsistencyRule}
 * against the fingerprint's state, updates the totals and the current window of its breakdown, and forwards a
 * {@link ConsistencyEvent} when the fingerprint gets an output hash it had not had before.
 */
final class CompletionObserver extends ContextualProcessor<String, Completion, String, ConsistencyEvent> {
    /** The error code of a request whose client went away (the engine's ErrorCode.CANCELLED). */
    static final String CANCELLED = "CANCELLED";

    private final MonitorSettings settings;
    private KeyValueStore<String, FingerprintState> fingerprints;
    private KeyValueStore<String, Totals> totals;
    private WindowStore<String, WindowStats> windows;
    private KeyValueStore<String, String> requests;
    private KeyValueStore<String, Long> divergent;

    CompletionObserver(MonitorSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<String, ConsistencyEvent> context) {
        super.init(context);
        fingerprints = context.getStateStore(StoreNames.FINGERPRINTS);
        totals = context.getStateStore(StoreNames.TOTALS);
        windows = context.getStateStore(StoreNames.WINDOWS);
        requests = context.getStateStore(StoreNames.REQUESTS);
        divergent = context.getStateStore(StoreNames.DIVERGENT);
        long keep = settings.fingerprintRetention().toMillis();
        context.schedule(settings.sweepInterval(), PunctuationType.WALL_CLOCK_TIME,
                now -> Expiry.sweep(fingerprints, requests, divergent, now - keep));
    }

    @Override
    public void process(Record<String, Completion> record) {
        Completion c = record.value();
        long at = record.timestamp();
        Dims dims = Dims.of(c);
        Map<String, Totals> touched = new HashMap<>();
        Totals mine = totals(touched, dims);
        long windowStart = at - Math.floorMod(at, settings.window().toMillis());
        WindowStats w = windows.fetch(dims.key(), windowStart);
        if (w == null) w = new WindowStats();

        mine.completions++;
        w.completions++;
        if (c.getTimings() != null) w.latency(c.getTimings().getE2eMs());
        // usage first: an audited engine's completion reports its tokens there and carries no ids
        int generated = c.getUsage() != null && c.getUsage().getCompletionTokens() > 0
                ? c.getUsage().getCompletionTokens() : c.getTokenIds() == null ? 0 : c.getTokenIds().size();
        mine.tokens += generated;
        w.tokens += generated;
        if (c.getError() != null && CANCELLED.equals(c.getError().getCode())) {
            mine.cancelled++; // the client left: nothing failed
        } else if (c.getError() != null) {
            mine.errors++;
            w.errors++;
        }
        if (ConsistencyRule.comparable(c)) {
            observe(record, c, dims, at, touched, w);
        }
        touched.forEach(totals::put);
        windows.put(dims.key(), w, windowStart);
    }

    private void observe(Record<String, Completion> record, Completion c, Dims dims, long at,
                         Map<String, Totals> touched, WindowStats w) {
        String fp = c.getFingerprint();
        requests.put(c.getRequestId(), fp);
        FingerprintState s = fingerprints.get(fp);
        Outcome outcome = ConsistencyRule.judge(s == null ? List.of() : s.outputs.keySet(), c);
        ProducerInfo producer = ProducerInfo.of(c);
        if (outcome == Outcome.FIRST) {
            s = new FingerprintState();
            s.model = c.getModel();
            s.dims = dims;
            totals(touched, dims).fingerprints++;
        } else {
            w.repeats++;
        }
        if (outcome == Outcome.REPRODUCED) {
            w.reproduced++;
            s.outputs.get(c.getOutputHash()).seen(producer, at);
        } else {
            s.outputs.put(c.getOutputHash(), newOutput(c));
            s.outputs.get(c.getOutputHash()).seen(producer, at);
        }
        s.completions++;
        if (s.completions == 2) totals(touched, s.dims).repeated++;
        if (outcome == Outcome.DIVERGED) {
            w.divergences++;
            totals(touched, dims).divergences++;
            if (s.outputs.size() == 2) {
                totals(touched, s.dims).divergent++;
                divergent.put(fp, at);
            }
        }
        fingerprints.put(fp, s);
        if (outcome == Outcome.DIVERGED) {
            ConsistencyEvent e = Events.divergence(fp, s, c.getOutputHash(), settings.contextTokens(), at);
            context().forward(record.withKey(fp).withValue(e));
        }
    }

    private FingerprintState.Output newOutput(Completion c) {
        var o = new FingerprintState.Output();
        o.requestId = c.getRequestId();
        o.tokenCount = c.getTokenIds().size();
        o.tokenIds = List.copyOf(c.getTokenIds().subList(0, Math.min(o.tokenCount, settings.maxStoredTokens())));
        String text = c.getText() == null ? "" : c.getText();
        o.text = text.length() <= settings.maxStoredChars() ? text : text.substring(0, settings.maxStoredChars());
        return o;
    }

    private Totals totals(Map<String, Totals> touched, Dims d) {
        return touched.computeIfAbsent(d.key(), k -> {
            Totals t = totals.get(k);
            return t == null ? new Totals() : t;
        });
    }
}
