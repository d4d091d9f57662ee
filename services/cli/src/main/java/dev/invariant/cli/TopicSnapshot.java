package dev.invariant.cli;

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
