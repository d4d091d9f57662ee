package dev.invariant.cli;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code invariant consume}: follows the completions topic. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Follow the completions topic and print each completion with its output hash.")
final class ConsumeCommand implements Callable<Integer> {

    @Option(names = "--from-beginning", description = "Start at the oldest completion instead of new ones only.")
    boolean fromBeginning;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (id, hash, finish reason, text) or json (one object per line) (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--max", paramLabel = "N", description = "Stop after N completions.")
    Integer max;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS",
            description = "Stop when nothing arrives for this long, counted from when the consumer group has assigned"
                    + " this consumer its partitions (default: follow forever).")
    Integer idleTimeout;

    @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = Topics.COMPLETIONS,
            description = "Completions topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        int seen = 0;
        long[] lastSeen = {System.nanoTime()};
        kafka.requireBroker();
        try (KafkaConsumer<String, Completion> consumer = new KafkaConsumer<>(kafka.consumer(Completion.class, fromBeginning))) {
            // The group's join can take seconds on a loaded machine: the idle time starts again once it is done.
            consumer.subscribe(List.of(topic), IdleClock.restartOnAssignment(lastSeen));
            while (max == null || seen < max) {
                for (ConsumerRecord<String, Completion> rec : consumer.poll(Duration.ofMillis(250))) {
                    Completion c = rec.value();
                    System.out.println("json".equals(format) ? CompletionJson.of(c).toString() : CompletionJson.line(c));
                    lastSeen[0] = System.nanoTime();
                    if (max != null && ++seen >= max) break;
                }
                if (idleTimeout != null && System.nanoTime() - lastSeen[0] > idleTimeout * 1_000_000_000L) break;
            }
        }
        return 0;
    }
}
