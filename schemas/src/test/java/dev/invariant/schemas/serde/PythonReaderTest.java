package dev.invariant.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.schemas.LiveStack;
import dev.invariant.schemas.Samples;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Our bytes read from Python: Apache Avro's Python library (Debian's {@code python3-avro}, which .ci/run installs)
 * with the writer schema fetched by id from the embedded registry, as Python Confluent-format deserializers do.
 * Every record type, compared field by field with what we wrote.
 */
class PythonReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = Path.of("target/python-reader");

    @Test
    void pythonAvroDecodesEveryRecordType() throws Exception {
        String python = python();
        Files.createDirectories(DIR);
        Files.copy(Path.of("src/test/python/decode.py"), DIR.resolve("decode.py"), StandardCopyOption.REPLACE_EXISTING);
        List<SpecificRecord> records = List.of(Samples.request("python-1"), Samples.completion("python-2"),
                Samples.failedCompletion("python-3"), Samples.chunk("python-4", 2), Samples.deadLetter());
        List<String> topics = List.of(Topics.REQUESTS, Topics.COMPLETIONS, Topics.COMPLETIONS, Topics.CHUNKS, Topics.DLQ);
        var command = new ArrayList<>(List.of(python, "decode.py", LiveStack.get().ccompatUrl()));
        try (var client = new SchemaRegistryClient(RegistryConfig.of(LiveStack.get().ccompatUrl()));
             var serializer = new ConfluentAvroSerializer<SpecificRecord>(client, true, false)) {
            for (int i = 0; i < records.size(); i++) {
                Path file = DIR.resolve("record-" + i + ".bin");
                Files.write(file, serializer.serialize(topics.get(i), records.get(i)));
                command.add(file.toAbsolutePath().toString());
            }
        }
        Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(120, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), output);
        List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(records.size(), lines.size(), output);
        for (int i = 0; i < records.size(); i++) {
            SpecificRecord r = records.get(i);
            OutsideReaderTest.assertSame(r.getSchema(), r, JSON.readTree(lines.get(i)), r.getSchema().getName());
        }
    }

    /** A python3 that has Apache Avro (Debian's /usr/bin/python3 with python3-avro, or the one on PATH). */
    private static String python() throws Exception {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import avro.io").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) return candidate;
            } catch (java.io.IOException e) {
                // not installed here: try the next
            }
        }
        Assumptions.abort("no python3 with Apache Avro (apt-get install python3-avro; .ci/run does)");
        return null;
    }
}
