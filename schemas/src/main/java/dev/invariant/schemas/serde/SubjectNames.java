package dev.invariant.schemas.serde;

/**
 * Confluent's TopicNameStrategy, the default of every Confluent-API client: a topic's value schemas
 * live under subject {@code <topic>-value}, its key schemas under {@code <topic>-key}.
 */
public final class SubjectNames {

    private SubjectNames() {
    }

    public static String of(String topic, boolean isKey) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("a topic name is needed to name the schema subject");
        }
        return topic + (isKey ? "-key" : "-value");
    }
}
