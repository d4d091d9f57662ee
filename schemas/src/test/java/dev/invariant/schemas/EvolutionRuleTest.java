package dev.invariant.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/**
 * The evolution rule of docs/schemas.md, checked at build time: today's schemas must read data written
 * with every released version (BACKWARD, transitively). Released versions are frozen copies under
 * src/test/resources/released/N/; the registry enforces the same rule per subject at runtime.
 */
class EvolutionRuleTest {

    static List<Path> releasedSchemas() throws IOException, URISyntaxException {
        Path root = Path.of(EvolutionRuleTest.class.getResource("/released").toURI());
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
        }
    }

    @Test
    void everyReleasedVersionIsReadableByTodaysClasses() throws Exception {
        List<Path> released = releasedSchemas();
        assertFalse(released.isEmpty(), "no released schemas found");
        for (Path file : released) {
            Schema old = new Schema.Parser().parse(file.toFile());
            Class<?> today = SpecificData.get().getClass(old);
            assertNotNull(today, file + ": record " + old.getFullName() + " no longer exists; records are never removed");
            Schema current = SpecificData.get().getSchema(today);
            var result = SchemaCompatibility.checkReaderWriterCompatibility(current, old);
            assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE, result.getType(),
                    file + " cannot be read by today's " + old.getFullName() + ": "
                            + result.getResult().getIncompatibilities());
        }
    }

    @Test
    void theCheckRejectsANewFieldWithoutDefault() {
        // Guards the guard: a reader that adds a field without a default must fail the same check.
        Schema old = CompletionChunk.getClassSchema();
        Schema broken = new Schema.Parser().parse(old.toString().replace(
                "{\"name\":\"final\"", "{\"name\":\"extra\",\"type\":\"int\"},{\"name\":\"final\""));
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.INCOMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(broken, old).getType());
    }
}
