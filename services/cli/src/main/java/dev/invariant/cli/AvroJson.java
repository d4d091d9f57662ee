package dev.invariant.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * An Avro record (primitives, arrays and string-keyed maps of them, nested records, nullable unions) as plain JSON with the schema's field names, and
 * back, field by field from the schema: a field added to the record needs no edit here. Floats are written as the
 * shortest decimal that reads back to the same binary32, so parameters survive the round trip bit for bit.
 */
final class AvroJson {
    private AvroJson() {
    }

    static ObjectNode of(SpecificRecordBase r) {
        ObjectNode o = ResultJson.MAPPER.createObjectNode();
        for (Schema.Field f : r.getSchema().getFields()) o.set(f.name(), value(r.get(f.pos())));
        return o;
    }

    private static JsonNode value(Object v) {
        var n = ResultJson.MAPPER.getNodeFactory();
        return switch (v) {
            case null -> n.nullNode();
            case Float x -> n.numberNode(x);
            case Double x -> n.numberNode(x);
            case Integer x -> n.numberNode(x);
            case Long x -> n.numberNode(x);
            case Boolean x -> n.booleanNode(x);
            case CharSequence x -> n.textNode(x.toString());
            case SpecificRecordBase r -> of(r);
            case List<?> xs -> {
                ArrayNode a = n.arrayNode();
                xs.forEach(x -> a.add(value(x)));
                yield a;
            }
            case Map<?, ?> m -> {
                ObjectNode o = n.objectNode();
                m.forEach((k, x) -> o.set(k.toString(), value(x)));
                yield o;
            }
            default -> throw new IllegalArgumentException("no JSON form for " + v.getClass().getSimpleName());
        };
    }

    /**
     * Fills {@code into} (a fresh record, defaults set) from {@link #of}'s JSON; a field the JSON lacks keeps its default.
     *
     * @throws IllegalArgumentException when a value has the wrong type for its field
     */
    static <T extends SpecificRecordBase> T parse(JsonNode o, T into) {
        if (!o.isObject()) throw new IllegalArgumentException("expected an object for " + into.getSchema().getName());
        for (Schema.Field f : into.getSchema().getFields()) {
            if (o.has(f.name())) into.put(f.pos(), read(o.get(f.name()), f.schema(), f.name()));
        }
        return into;
    }

    private static Object read(JsonNode v, Schema s, String name) {
        if (s.getType() == Schema.Type.UNION) {
            if (v.isNull()) return null;
            Schema other = s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElseThrow();
            return read(v, other, name);
        }
        boolean ok = switch (s.getType()) {
            case FLOAT, DOUBLE -> v.isNumber();
            case INT -> v.canConvertToInt();
            case LONG -> v.canConvertToLong();
            case BOOLEAN -> v.isBoolean();
            case STRING -> v.isTextual();
            case ARRAY -> v.isArray();
            case MAP, RECORD -> v.isObject();
            default -> false;
        };
        if (!ok) throw new IllegalArgumentException("field " + name + ": " + v + " is not a " + s.getType().getName());
        return switch (s.getType()) {
            case FLOAT -> Float.parseFloat(v.asText()); // from the decimal itself: no rounding through a double
            case DOUBLE -> v.doubleValue();
            case INT -> v.intValue();
            case LONG -> v.longValue();
            case BOOLEAN -> v.booleanValue();
            case STRING -> v.textValue();
            case RECORD -> parse(v, (SpecificRecordBase) SpecificData.get().newRecord(null, s));
            case MAP -> {
                Map<String, Object> out = new LinkedHashMap<>();
                v.properties().forEach(e -> out.put(e.getKey(), read(e.getValue(), s.getValueType(), name)));
                yield out;
            }
            default -> {
                List<Object> out = new ArrayList<>(v.size());
                for (JsonNode x : v) out.add(read(x, s.getElementType(), name));
                yield out;
            }
        };
    }
}
