package dev.invariant.worker.kafka;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.Topics;
import dev.invariant.worker.config.WorkerConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * One record the worker writes, its value encoded only when it is sent (encoding may need the registry). The
 * records a request's outcome consists of are made here once, for both ways of publishing them (at-least-once
 * through {@link Publisher}, exactly-once through {@link TransactionalOutbox}).
 *
 * @param partition -1: the producer's partitioner picks by key
 */
public record Outgoing(String topic, int partition, byte[] key, Supplier<byte[]> value, List<RecordHeader> headers) {

    /** The completion on the completions topic and, when the request named one, on its reply topic. */
    static List<Outgoing> completion(WorkerConfig config, RecordCodec codec, Completion c, ReplyTarget reply) {
        String topic = config.topics().completions();
        byte[] key = c.getRequestId().getBytes(StandardCharsets.UTF_8);
        var out = new ArrayList<Outgoing>();
        out.add(new Outgoing(topic, -1, key, () -> codec.encode(topic, c), List.of()));
        if (reply != null && !reply.topic().equals(topic)) {
            var headers = new ArrayList<RecordHeader>();
            if (reply.correlationId() != null) {
                headers.add(new RecordHeader(Topics.REPLY_CORRELATION_ID_HEADER, reply.correlationId()));
            }
            out.add(new Outgoing(reply.topic(), reply.partition(), key, () -> codec.encode(reply.topic(), c), headers));
        }
        return out;
    }

    static Outgoing deadLetter(WorkerConfig config, RecordCodec codec, DeadLetter d, List<RecordHeader> headers) {
        String topic = config.topics().dlq();
        byte[] key = null;
        if (d.getOriginalKey() != null) {
            var copy = d.getOriginalKey().duplicate();
            key = new byte[copy.remaining()];
            copy.get(key);
        }
        return new Outgoing(topic, -1, key, () -> codec.encode(topic, d), headers);
    }
}
