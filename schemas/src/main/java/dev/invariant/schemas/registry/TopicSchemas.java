package dev.invariant.schemas.registry;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionChunk;
import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.serde.SubjectNames;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Which record each topic carries, and the start-up step that puts the evolution rule in force:
 * each value subject set to BACKWARD, then today's schema registered (so an incompatible build fails
 * at start-up, not at its first record).
 */
public final class TopicSchemas {

    private TopicSchemas() {
    }

    /** Value schema of each topic, by default topic name. */
    public static Map<String, Schema> defaults() {
        var map = new LinkedHashMap<String, Schema>();
        map.put(Topics.REQUESTS, InferenceRequest.getClassSchema());
        map.put(Topics.COMPLETIONS, Completion.getClassSchema());
        map.put(Topics.CHUNKS, CompletionChunk.getClassSchema());
        map.put(Topics.DLQ, DeadLetter.getClassSchema());
        map.put(Topics.CONSISTENCY, ConsistencyEvent.getClassSchema());
        return map;
    }

    /**
     * For each topic: sets subject {@code <topic>-value} to {@link Compatibility#BACKWARD} and registers the
     * schema. Returns the schema id per topic.
     *
     * @throws RegistryException {@link RegistryException#isIncompatible()} when a schema breaks the rule
     *                           against what the subject already holds
     */
    public static Map<String, Integer> ensureRegistered(SchemaRegistryClient client, Map<String, Schema> byTopic) {
        var ids = new LinkedHashMap<String, Integer>();
        byTopic.forEach((topic, schema) -> {
            String subject = SubjectNames.of(topic, false);
            client.setCompatibility(subject, Compatibility.BACKWARD);
            ids.put(topic, client.register(subject, schema));
        });
        return ids;
    }
}
