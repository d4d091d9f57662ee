package dev.invariant.engine.text.jinja;

import java.beans.FeatureDescriptor;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Python semantics for attribute, item and method lookups, ahead of jinjava's own resolver: str methods
 * ({@link PythonStringMethods}), {@code s[0]} on a string, {@code loop.previtem}/{@code loop.nextitem}, and a
 * missing key or index giving {@link Undefined} (jinjava gives null, which is also {@code none}), and the sandbox's
 * refusal to change a list or dict ({@code xs.append(x)}). Everything else goes on to jinjava.
 */
final class PythonResolver extends ELResolver {

    /** What ImmutableSandboxedEnvironment refuses to call: methods that change a list, dict or set. */
    private static final Set<String> MUTATORS = Set.of("append", "extend", "insert", "pop", "remove", "reverse", "sort",
            "clear", "popitem", "setdefault", "update", "add", "discard", "difference_update", "intersection_update",
            "symmetric_difference_update");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (base instanceof Undefined) throw new ELException("an undefined value has no method " + method);
        if ((base instanceof Collection<?> || base instanceof Map<?, ?>) && MUTATORS.contains(String.valueOf(method))) {
            throw new ELException("access to attribute '" + method + "' of '" + PythonStr.typeName(base) + "' object is unsafe.");
        }
        if (!(base instanceof String s) || method == null) return null;
        Object result;
        try {
            result = PythonStringMethods.call(s, method.toString(), params == null ? new Object[0] : params);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ELException(method + "(): " + e.getMessage()); // jinjava would hide it as "method not found"
        }
        if (result == PythonStringMethods.NOT_MINE) return null;
        context.setPropertyResolved(true);
        return result;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        Object value = switch (base) {
            case null -> null;
            case Undefined u -> throw new ELException("an undefined value has no attribute " + property);
            case String s -> integer(property) == null ? Undefined.INSTANCE : index(s, property); // str has no attributes
            case PythonLoop loop -> loop.item(String.valueOf(property));
            case Map<?, ?> m -> m.containsKey(property) || property == null ? null : Undefined.INSTANCE;
            case List<?> l -> integer(property) == null || outOfRange(l.size(), property) ? Undefined.INSTANCE : null;
            default -> null;
        };
        if (value == null) return null;
        context.setPropertyResolved(true);
        return value;
    }

    /** {@code s[i]}: the i-th code point, from the end when negative; undefined past the end. */
    private static Object index(String s, Object property) {
        int i = integer(property);
        int n = s.codePointCount(0, s.length());
        int at = i < 0 ? i + n : i;
        if (at < 0 || at >= n) return Undefined.INSTANCE;
        return Character.toString(s.codePointAt(s.offsetByCodePoints(0, at)));
    }

    private static boolean outOfRange(int size, Object property) {
        Integer i = integer(property);
        return i != null && (i >= size || i < -size);
    }

    private static Integer integer(Object property) {
        if (property instanceof Number n) return n.intValue();
        if (property instanceof String p && p.matches("-?\\d{1,9}")) return Integer.valueOf(p);
        return null;
    }

    // Not a writer: assignments and types are jinjava's.

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // never resolves, so jinjava's resolver handles assignments
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
