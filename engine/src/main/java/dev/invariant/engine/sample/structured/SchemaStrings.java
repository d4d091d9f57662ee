package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import java.util.function.Function;

/**
 * A JSON-schema string as a regex: a {@code format} ({@link StringFormats}), a {@code pattern} ({@link SchemaPattern}),
 * or any JSON string within minLength/maxLength. Format and pattern are exact shapes, so lengths beside them are
 * accepted only where they change nothing.
 */
final class SchemaStrings {
    private SchemaStrings() {
    }

    /**
     * @param min minLength (0 when absent), {@code max} maxLength (-1 when absent), already checked
     * @param label how a pattern's own errors name it (the field and the schema path)
     */
    static String regex(JsonNode s, int min, int max, String field, String label,
                        Function<String, EngineException> refuse) {
        JsonNode format = s.get("format");
        JsonNode pattern = s.get("pattern");
        if (format != null) {
            StringFormats.Format f = StringFormats.ALL.get(format.asText());
            if (!format.isTextual() || f == null) {
                throw refuse.apply("the format " + format + " is not supported (supported: "
                        + String.join(", ", StringFormats.ALL.keySet()) + ")");
            }
            if (pattern != null) throw refuse.apply("format and pattern together are not supported: give one");
            if (f.minLength() < min || (max >= 0 && f.maxLength() > max)) {
                throw refuse.apply("minLength/maxLength with the format " + format + " are supported only when every"
                        + " string of the format fits (" + f.minLength() + " to " + f.maxLength() + " characters)");
            }
            return "\"" + f.regex() + "\"";
        }
        if (pattern != null) {
            if (!pattern.isTextual()) throw refuse.apply("pattern must be a string");
            if (min > 0 || max >= 0) {
                throw refuse.apply("pattern with minLength/maxLength is not supported: put the length into the"
                        + " pattern (a {m,n} repeat)");
            }
            return "\"" + SchemaPattern.regex(field, label, pattern.asText()) + "\"";
        }
        String reps = min == 0 && max < 0 ? "*" : "{" + min + "," + (max < 0 ? "" : max) + "}";
        return "\"" + JsonSchemaRegex.STRING_CHAR + reps + "\"";
    }
}
