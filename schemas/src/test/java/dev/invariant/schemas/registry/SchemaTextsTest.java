package dev.invariant.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class SchemaTextsTest {

    @Test
    void everyTopicSchemaIsRegisteredWithItsFilesText() throws Exception {
        // If a generated class ever stopped matching its file, the file text would silently not be used and
        // clients registering our files would create new versions: this catches it.
        for (Schema schema : TopicSchemas.defaults().values()) {
            String file = Files.readString(Path.of("src/main/avro", schema.getName() + ".avsc"));
            assertEquals(file, SchemaTexts.of(schema), schema.getName());
        }
    }

    @Test
    void aSchemaThatDiffersFromItsFileIsRegisteredAsAvroRendersIt() {
        Schema other = new Schema.Parser().parse("""
                {"type": "record", "name": "Completion", "namespace": "dev.invariant.schemas",
                 "fields": [{"name": "x", "type": "int"}]}""");
        assertEquals(other.toString(), SchemaTexts.of(other));
    }
}
