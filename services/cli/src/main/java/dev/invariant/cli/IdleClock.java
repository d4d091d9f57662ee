package dev.invariant.cli;

import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/**
 * Where an {@code --idle-timeout} starts counting: a subscribed consumer reads nothing until its group has assigned
 * it partitions, which takes seconds on a loaded machine, so the idle time starts again at each assignment.
 */
final class IdleClock {
    private IdleClock() {}

    /** A listener that sets {@code lastSeen[0]} to now whenever partitions are assigned. */
    static ConsumerRebalanceListener restartOnAssignment(long[] lastSeen) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                lastSeen[0] = System.nanoTime();
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            }
        };
    }
}
