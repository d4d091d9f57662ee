package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.objects.Namespace;
import com.hubspot.jinjava.objects.collections.PyMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Functions that transformers adds to the chat-template environment, and Jinja2's own globals jinjava lacks. */
public final class TemplateFunctions {
    private TemplateFunctions() {
    }

    /**
     * {@code strftime_now(format)}: transformers' global (Python's {@code datetime.now().strftime(format)}), the
     * time read in UTC. It is callable but {@code strftime_now is defined} stays false: a template that asks first
     * (Llama 3.1/3.2's) takes its fixed date, so its prompt does not depend on the day; one that calls it anyway
     * (SmolLM3's) renders today's date, as in transformers and vLLM, instead of failing (its prompt, tokens and
     * fingerprint then follow the date).
     */
    public static String strftimeNow(String format) {
        return Strftime.format(format, java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
    }

    /** {@code raise_exception(message)}: the template refuses the conversation. */
    public static String raiseException(String message) {
        throw new Rejected(message);
    }

    /** The template's own refusal, told apart from template bugs by its type. */
    public static final class Rejected extends RuntimeException {
        Rejected(String message) {
            super(message);
        }
    }

    /**
     * Jinja2's {@code dict(...)} global (Python's dict): {@code dict(a=1, b=x)}, {@code dict(other)} or a list of
     * pairs, then the keyword arguments, in order.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Map<String, Object> dict(Object... args) {
        Map out = new LinkedHashMap<>();
        int positional = 0;
        for (Object a : args == null ? new Object[] {null} : args) {
            if (a instanceof NamedParameter p) {
                out.put(p.getName(), p.getValue());
            } else if (positional++ > 0) {
                throw new IllegalArgumentException("dict expected at most 1 argument, got " + positional);
            } else if (a instanceof Map<?, ?> m) {
                out.putAll(m);
            } else if (a instanceof Iterable<?> pairs) {
                for (Object pair : pairs) {
                    if (!(pair instanceof List<?> kv) || kv.size() != 2) {
                        throw new IllegalArgumentException("dictionary update sequence element is not a pair");
                    }
                    out.put(kv.get(0), kv.get(1));
                }
            } else {
                throw new IllegalArgumentException("'" + PythonStr.typeName(a) + "' object is not iterable");
            }
        }
        return new PyMap(out); // jinjava's dict, with items(), keys() and Python's printing
    }

    /**
     * Jinja2's {@code namespace(...)}: jinjava's dropped the template when a value was none
     * ({@code namespace(interval=None)}), leaving the attribute undefined, so {@code ns.interval is none} was false.
     */
    public static Namespace namespace(Object... args) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Object a : args == null ? new Object[] {null} : args) {
            if (a instanceof NamedParameter p) values.put(p.getName(), p.getValue());
            else if (a instanceof Map<?, ?> m) m.forEach((k, v) -> values.put(String.valueOf(k), v));
            else throw new IllegalArgumentException("namespace() takes a dict and keyword arguments");
        }
        return new Namespace(values);
    }
}
