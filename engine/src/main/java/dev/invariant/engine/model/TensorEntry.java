package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;

/** One validated entry of a safetensors header: dtype, shape and byte range within the data region. */
record TensorEntry(String name, DType dtype, long[] shape, long begin, long end) {

    static TensorEntry parse(String file, String name, JsonNode n, long dataLen) {
        String where = "tensor '" + name + "'";
        if (!n.isObject()) throw SafetensorsReader.bad(file, where + " is not an object");
        String dt = n.path("dtype").asText(null);
        DType dtype = dt == null ? null : DType.fromSafetensors(dt);
        if (dtype == null) {
            throw SafetensorsReader.bad(file, where + " has dtype " + n.get("dtype")
                    + ", supported are F32, BF16 and F16");
        }
        JsonNode sh = n.get("shape");
        if (sh == null || !sh.isArray()) throw SafetensorsReader.bad(file, where + " has no 'shape' list");
        long[] shape = new long[sh.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw SafetensorsReader.bad(file, where + " has shape entry " + d + ", not a non-negative integer");
            }
            shape[i] = d.asLong();
            count = Math.multiplyExact(count, shape[i]);
        }
        JsonNode off = n.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber()) {
            throw SafetensorsReader.bad(file, where + " needs 'data_offsets' [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen) {
            throw SafetensorsReader.bad(file, where + " has data_offsets [" + begin + ", " + end
                    + "] outside the data region of " + dataLen + " bytes");
        }
        long expected = Math.multiplyExact(count, dtype.bytes());
        if (end - begin != expected) {
            throw SafetensorsReader.bad(file, where + " spans " + (end - begin) + " bytes but shape "
                    + sh + " of " + dtype + " needs " + expected);
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }
}
