package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;

/** What the parts of a schema's regex ask of the compiler ({@link JsonSchemaRegex}): subschemas, counts, refusals. */
interface SchemaParts {
    /** The regex of a subschema at {@code path}, nested {@code depth} deep. */
    String value(JsonNode s, String path, int depth);

    /** A count keyword ({@code minItems}, ...): {@code absent} when not given, else an integer in range. */
    int count(JsonNode s, String key, int absent, String path);

    /** An INVALID_PARAM error naming the field and the schema path. */
    EngineException refuse(String path, String what);
}
