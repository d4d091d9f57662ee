package dev.invariant.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * The text a schema is registered with. Apicurio 2.4.2's Confluent API finds an existing version only for the
 * exact same text (docs/registry.md), so registering Avro's own rendering ({@code Schema.toString()}) would make
 * every client that registers our {@code .avsc} file a new version with a new id. For our own record types we
 * register the file's text as shipped in this jar, when it parses to exactly the schema given; anything else is
 * registered as Avro renders it.
 */
final class SchemaTexts {
    private static final String FOLDER = "/dev/invariant/schemas/avro/";
    private static final Map<String, String> TEXTS = new ConcurrentHashMap<>();

    private SchemaTexts() {
    }

    static String of(Schema schema) {
        String rendered = schema.toString();
        if (schema.getType() != Schema.Type.RECORD) return rendered;
        String text = TEXTS.computeIfAbsent(schema.getFullName(), n -> fileText(schema.getName()));
        return !text.isEmpty() && sameSchema(text, rendered) ? text : rendered;
    }

    /** The shipped .avsc text of a record type, or "" when there is none. */
    private static String fileText(String name) {
        try (InputStream in = SchemaTexts.class.getResourceAsStream(FOLDER + name + ".avsc")) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema file of " + name, e);
        }
    }

    /**
     * Same rendering, docs and defaults included: the file must say exactly what the code writes with. The one
     * difference allowed is the {@code avro.java.string} property the code generator adds to string types (it tells
     * Java which string class to use and changes nothing in the encoding).
     */
    private static boolean sameSchema(String text, String rendered) {
        try {
            return withoutJavaStringProps(new Schema.Parser().parse(text).toString())
                    .equals(withoutJavaStringProps(rendered));
        } catch (SchemaParseException e) {
            return false;
        }
    }

    static String withoutJavaStringProps(String json) {
        return json.replace("{\"type\":\"string\",\"avro.java.string\":\"String\"}", "\"string\"")
                .replace(",\"avro.java.string\":\"String\"", "");
    }
}
