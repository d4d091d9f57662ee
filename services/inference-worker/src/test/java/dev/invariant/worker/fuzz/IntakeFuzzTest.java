package dev.invariant.worker.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.Request;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.serde.AvroWireCodec;
import dev.invariant.worker.config.WorkerConfig;
import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.kafka.RequestMapper;
import io.smallrye.config.WithDefault;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 100,000 hostile request records through the worker's intake as it runs on each record, without a broker: the
 * Confluent-wire-format decoding (schema ids resolved from the writer schemas a registry would hold), the Avro →
 * engine mapping and the engine's validation (tokenising, the context rule, the fingerprint). Every record ends in
 * exactly one of the worker's three outcomes, and nothing else happens: no exception other than the two the worker
 * turns into a dead letter or an error completion, no error, no hang.
 */
class IntakeFuzzTest {
    private static final int RECORDS = 100_000;
    private static EngineService engines;

    enum Outcome { DEAD_LETTER, ERROR_COMPLETION, ACCEPTED }

    @BeforeAll
    static void engine() {
        String model = Path.of(System.getProperty("invariant.shared", "../../../shared"), "models", "stories260K")
                .toAbsolutePath().normalize().toString();
        engines = new EngineService(defaults(WorkerConfig.class, "invariant", Map.of("invariant.model", model,
                "invariant.threads", "1")));
    }

    @AfterAll
    static void close() {
        if (engines != null) engines.drain();
    }

    @Test
    void everyHostileRecordIsDeadLetteredAnsweredWithAnErrorOrAccepted() {
        Map<Integer, Schema> registry = Map.of(RequestFuzzer.REQUEST_SCHEMA_ID, InferenceRequest.getClassSchema(),
                RequestFuzzer.EXTENDED_SCHEMA_ID, ExtendedSchema.SCHEMA);
        var codec = new AvroWireCodec<>(InferenceRequest.class);
        var fuzzer = new RequestFuzzer(20261201L);
        var counts = new EnumMap<Outcome, Integer>(Outcome.class);
        for (int i = 0; i < RECORDS; i++) {
            byte[] value = fuzzer.next(i);
            Outcome o;
            try {
                o = outcome(codec, registry, value);
            } catch (RuntimeException | Error e) {
                throw new AssertionError("record " + i + " (seed 20261201) escaped the intake's outcomes: " + e, e);
            }
            counts.merge(o, 1, Integer::sum);
        }
        assertEquals(RECORDS, counts.values().stream().mapToInt(Integer::intValue).sum());
        // The generator reaches every outcome in bulk, or the test proves little.
        for (Outcome o : Outcome.values()) {
            assertTrue(counts.getOrDefault(o, 0) > RECORDS / 200, o + " reached only " + counts.get(o) + " times: " + counts);
        }
        System.out.println("IntakeFuzzTest outcomes of " + RECORDS + " records: " + counts);
    }

    /** The worker's configuration as application.properties defaults it (the @WithDefault values), with overrides. */
    @SuppressWarnings("unchecked")
    static <T> T defaults(Class<T> type, String prefix, Map<String, String> overrides) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (proxy, m, args) -> {
            String name = prefix + "." + m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
            Class<?> r = m.getReturnType();
            if (r.isInterface() && r.getEnclosingClass() == WorkerConfig.class) return defaults(r, name, overrides);
            WithDefault d = m.getAnnotation(WithDefault.class);
            String v = overrides.getOrDefault(name, d == null ? null : d.value());
            var expression = java.util.regex.Pattern.compile("^\\$\\{[^:}]*:(.*)}$").matcher(v == null ? "" : v);
            if (expression.matches()) v = expression.group(1).isEmpty() ? null : expression.group(1);
            if (r == Optional.class) return Optional.ofNullable(v);
            if (r == int.class) return Integer.parseInt(v);
            if (r == long.class) return Long.parseLong(v);
            if (r == boolean.class) return Boolean.parseBoolean(v);
            if (r == Duration.class) return Duration.parse("PT" + v.toUpperCase());
            return v;
        });
    }

    /** What RequestConsumer does with the value, up to handing the request to the engine's queue. */
    private static Outcome outcome(AvroWireCodec<InferenceRequest> codec, Map<Integer, Schema> registry, byte[] value) {
        if (value == null) return Outcome.DEAD_LETTER; // a tombstone: RecordCodec dead-letters it before decoding
        InferenceRequest request;
        try {
            request = codec.decode(value, registry::get);
        } catch (RuntimeException e) {
            return Outcome.DEAD_LETTER; // RequestConsumer: any decoding failure but a registry outage
        }
        try {
            Request r = RequestMapper.toEngine(request, engines);
            engines.engine().core().prepare(r);
            return Outcome.ACCEPTED;
        } catch (EngineException e) {
            return Outcome.ERROR_COMPLETION;
        }
    }
}
