package dev.invariant.monitor.topology;

import dev.invariant.schemas.Completion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Plain Avro binary of {@link Completion} (no registry) for the monitor's internal repartition topic: only the
 * monitor writes and reads it, with the schema it was built with.
 */
final class CompletionSerde {
    private CompletionSerde() {
    }

    static Serde<Completion> create() {
        var writer = new SpecificDatumWriter<>(Completion.class);
        var reader = new SpecificDatumReader<>(Completion.class);
        return Serdes.serdeFrom((topic, c) -> {
            if (c == null) return null;
            var out = new ByteArrayOutputStream(256);
            var enc = EncoderFactory.get().binaryEncoder(out, null);
            try {
                writer.write(c, enc);
                enc.flush();
            } catch (IOException e) {
                throw new SerializationException("cannot write a completion", e);
            }
            return out.toByteArray();
        }, (topic, b) -> {
            if (b == null) return null;
            try {
                return reader.read(null, DecoderFactory.get().binaryDecoder(b, null));
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot read a completion from the repartition topic", e);
            }
        });
    }
}
