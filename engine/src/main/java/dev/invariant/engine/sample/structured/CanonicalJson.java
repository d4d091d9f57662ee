package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The canonical text of a JSON schema, which the fingerprint holds: compact, object keys sorted, so that equal schemas
 * written differently fingerprint alike. The one exception is the {@code properties} map, whose order is kept: it is
 * the order in which the output spells the properties, so it changes the output.
 */
final class CanonicalJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private CanonicalJson() {
    }

    static JsonNode parse(String field, String json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            if (n == null) throw new IllegalArgumentException("empty");
            return n;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw EngineException.invalid(field, field + " must be a JSON schema (a JSON object), and this is not JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    static String canonical(JsonNode schema) {
        try {
            return MAPPER.writeValueAsString(sorted(schema, false));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compact JSON of a value (an enum member or a const), as the output must spell it. */
    static String compact(JsonNode value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @param keepOrder whether this object is a {@code properties} map */
    private static JsonNode sorted(JsonNode n, boolean keepOrder) {
        if (n.isArray()) {
            var out = JsonNodeFactory.instance.arrayNode();
            n.forEach(e -> out.add(sorted(e, false)));
            return out;
        }
        if (!n.isObject()) return n;
        List<String> keys = new ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        if (!keepOrder) Collections.sort(keys);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        // a property's schema is a schema again; the value of a "properties" key is the map whose order is kept
        for (String k : keys) out.set(k, sorted(n.get(k), !keepOrder && k.equals("properties")));
        return out;
    }
}
