package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.el.TruthyTypeConverter;

/**
 * Conversions inside expressions: to text as Python's {@code str()} ({@code 'b=' ~ true} is {@code b=True}), to a
 * condition as Python's truth value ({@code not}, {@code x if c else y}).
 */
final class PythonTypeConverter extends TruthyTypeConverter {
    private static final long serialVersionUID = 1L;

    @Override
    protected String coerceToString(Object value) {
        return value instanceof Undefined ? "" : PythonStr.str(value);
    }

    @Override
    protected Boolean coerceToBoolean(Object value) {
        return PythonTruth.of(value);
    }
}
