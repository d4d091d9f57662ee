package dev.invariant.cli;

import dev.invariant.schemas.Completion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;

/** Every record a topic holds now: read from the beginning up to the end offsets taken when reading starts. */
final class TopicSnapshot {
    private TopicSnapshot() {
    }

    /** Values that could not be read are counted in {@code unreadable[0]} and left out. */
    static <T> List<T> read(KafkaOptions kafka, String topic, Class<T> type, Duration timeout, int[] unreadable) {
        List<T> out = new ArrayList<>();
        kafka.requireBroker();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(kafka.consumer(type, true))) {
            var infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) return out;
            List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done(consumer, end) && System.nanoTime() < deadline) {
                try {
                    for (ConsumerRecord<String, T> r : consumer.poll(Duration.ofMillis(250))) {
                        if (r.value() != null) out.add(r.value());
                    }
                } catch (SerializationException e) {
                    // A record that cannot be read as T: skip past it and go on.
                    unreadable[0]++;
                    skipUnreadable(consumer, e);
                }
            }
        }
        return out;
    }

    /**
     * How many records the topic holds now (end minus start offsets, summed over its partitions; exact where no
     * transaction markers take offsets, as on a topic of at-least-once producers). 0 for a topic that does not exist.
     * Nothing is read, so the consumer's value type only has to be one the deserializer accepts.
     */
    static long count(KafkaOptions kafka, String topic, Duration timeout) {
        kafka.requireBroker();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(kafka.consumer(Completion.class, true))) {
            var infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) return 0;
            List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> start = consumer.beginningOffsets(parts, timeout);
            long n = 0;
            for (var e : consumer.endOffsets(parts, timeout).entrySet()) n += e.getValue() - start.get(e.getKey());
            return n;
        }
    }

    private static boolean done(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) if (consumer.position(e.getKey()) < e.getValue()) return false;
        return true;
    }

    private static void skipUnreadable(KafkaConsumer<?, ?> consumer, SerializationException e) {
        if (e instanceof org.apache.kafka.common.errors.RecordDeserializationException rde) {
            consumer.seek(rde.topicPartition(), rde.offset() + 1);
        } else {
            throw e;
        }
    }
}
