package dev.invariant.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.schemas.LiveStack;
import dev.invariant.schemas.Samples;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Our bytes read by a Confluent-API client that shares no code with ours: npm
 * {@code @kafkajs/confluent-schema-registry} (Node.js, avsc), fetching the writer schema by id from the
 * embedded registry. Needs node and npm (and the npm registry on first run); skipped without them.
 */
class OutsideReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SOURCES = Path.of("src/test/node");
    private static final Path READER = Path.of("target/outside-reader");

    @Test
    void kafkajsConfluentSchemaRegistryDecodesEveryRecordType() throws Exception {
        installReader();
        List<SpecificRecord> records = List.of(Samples.request("outside-1"), Samples.completion("outside-2"),
                Samples.failedCompletion("outside-3"), Samples.chunk("outside-4", 2), Samples.deadLetter());
        List<String> topics = List.of(Topics.REQUESTS, Topics.COMPLETIONS, Topics.COMPLETIONS, Topics.CHUNKS, Topics.DLQ);
        var files = new ArrayList<String>();
        try (var client = new SchemaRegistryClient(RegistryConfig.of(LiveStack.get().ccompatUrl()));
             var serializer = new ConfluentAvroSerializer<SpecificRecord>(client, true, false)) {
            for (int i = 0; i < records.size(); i++) {
                Path file = READER.resolve("record-" + i + ".bin");
                Files.write(file, serializer.serialize(topics.get(i), records.get(i)));
                files.add(file.toAbsolutePath().toString());
            }
        }
        var command = new ArrayList<>(List.of("node", "decode.js", LiveStack.get().ccompatUrl()));
        command.addAll(files);
        List<String> lines = run(command);
        assertEquals(records.size(), lines.size(), String.join("\n", lines));
        for (int i = 0; i < records.size(); i++) {
            SpecificRecord record = records.get(i);
            assertSame(record.getSchema(), record, JSON.readTree(lines.get(i)), record.getSchema().getName());
        }
    }

    /** Compares our value with the reader's JSON field by field, following the schema. */
    static void assertSame(Schema schema, Object ours, JsonNode theirs, String path) {
        switch (schema.getType()) {
            case RECORD -> {
                var record = (SpecificRecord) ours;
                for (Schema.Field f : schema.getFields()) {
                    assertTrue(theirs.has(f.name()), path + "." + f.name() + " missing in " + theirs);
                    assertSame(f.schema(), record.get(f.pos()), theirs.get(f.name()), path + "." + f.name());
                }
            }
            case UNION -> {
                if (ours == null) {
                    assertTrue(theirs.isNull(), path + ": expected null, got " + theirs);
                } else {
                    Schema branch = schema.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL)
                            .findFirst().orElseThrow();
                    assertSame(branch, ours, theirs, path);
                }
            }
            case ARRAY -> {
                var list = (List<?>) ours;
                assertEquals(list.size(), theirs.size(), path);
                for (int i = 0; i < list.size(); i++) {
                    assertSame(schema.getElementType(), list.get(i), theirs.get(i), path + "[" + i + "]");
                }
            }
            case MAP -> {
                var map = (Map<?, ?>) ours;
                assertEquals(map.size(), theirs.size(), path);
                map.forEach((k, v) -> assertSame(schema.getValueType(), v, theirs.get(k.toString()), path + "." + k));
            }
            case LONG -> {
                long expected = schema.getLogicalType() instanceof LogicalTypes.TimestampMillis
                        ? ((Instant) ours).toEpochMilli() : (Long) ours;
                assertEquals(expected, theirs.asLong(), path);
            }
            case FLOAT -> assertEquals(Float.floatToRawIntBits((Float) ours),
                    Float.floatToRawIntBits((float) theirs.asDouble()), path);
            case DOUBLE -> assertEquals(Double.doubleToRawLongBits((Double) ours),
                    Double.doubleToRawLongBits(theirs.asDouble()), path);
            case INT -> assertEquals((int) (Integer) ours, theirs.asInt(), path);
            case BOOLEAN -> assertEquals(ours, theirs.asBoolean(), path);
            case STRING, ENUM -> assertEquals(ours.toString(), theirs.asText(), path);
            case BYTES -> {
                ByteBuffer buffer = ((ByteBuffer) ours).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                assertEquals(Base64.getEncoder().encodeToString(bytes), theirs.asText(), path);
            }
            default -> throw new AssertionError(path + ": no comparison for " + schema.getType());
        }
    }

    /** npm ci of the pinned reader into target/, once per lock file. */
    static void installReader() throws Exception {
        Files.createDirectories(READER);
        for (String name : List.of("package.json", "package-lock.json", "decode.js")) {
            Files.copy(SOURCES.resolve(name), READER.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.isDirectory(READER.resolve("node_modules/@kafkajs/confluent-schema-registry"))) return;
        try {
            run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"));
        } catch (IOException | AssertionError e) {
            Assumptions.abort("the outside reader could not be installed with npm (node and npm, and the npm"
                    + " registry on first run, are needed): " + e.getMessage());
        }
    }

    static List<String> run(List<String> command) throws IOException, InterruptedException {
        var process = new ProcessBuilder(command).directory(READER.toFile()).redirectErrorStream(true).start();
        var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " took longer than 120 s");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + process.exitValue() + ":\n" + output);
        }
        return output.lines().filter(l -> l.startsWith("{")).toList();
    }
}
