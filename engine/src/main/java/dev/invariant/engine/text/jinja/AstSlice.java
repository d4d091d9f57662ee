package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.objects.collections.PyList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * {@code x[start:stop:step]} with Python's rules (negative and out-of-range bounds, any step, strings cut by code
 * point). Jinjava parses no step and cuts strings by UTF-16 unit.
 */
final class AstSlice extends AstRightValue {
    private final AstNode base;
    private final AstNode[] bounds; // start, stop, step; null where left out

    AstSlice(AstNode base, AstNode start, AstNode stop, AstNode step) {
        this.base = base;
        this.bounds = new AstNode[] {start, stop, step};
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object value = base.eval(bindings, context);
        Integer[] b = new Integer[3];
        for (int i = 0; i < 3; i++) {
            Object v = bounds[i] == null ? null : bounds[i].eval(bindings, context);
            if (v != null && !(v instanceof Number)) throw new ELException("slice indices must be integers or None");
            b[i] = v == null ? null : ((Number) v).intValue();
        }
        if (value instanceof String s) {
            int[] cps = s.codePoints().toArray();
            StringBuilder out = new StringBuilder();
            for (int i : indices(cps.length, b)) out.appendCodePoint(cps[i]);
            return out.toString();
        }
        List<?> items = value instanceof List<?> l ? l : value instanceof Object[] a ? Arrays.asList(a) : null;
        if (items == null) throw new ELException(value == null ? "cannot slice None" : value + " cannot be sliced");
        List<Object> out = new ArrayList<>();
        for (int i : indices(items.size(), b)) out.add(items.get(i));
        return new PyList(out);
    }

    /** The indices Python's slice(start, stop, step).indices(n) walks. */
    static List<Integer> indices(int n, Integer[] b) {
        int step = b[2] == null ? 1 : b[2];
        if (step == 0) throw new ELException("slice step cannot be zero");
        int lower = step > 0 ? 0 : -1;
        int upper = step > 0 ? n : n - 1;
        int start = b[0] == null ? (step > 0 ? lower : upper) : clamp(b[0], n, lower, upper);
        int stop = b[1] == null ? (step > 0 ? upper : lower) : clamp(b[1], n, lower, upper);
        List<Integer> out = new ArrayList<>();
        for (int i = start; step > 0 ? i < stop : i > stop; i += step) out.add(i);
        return out;
    }

    private static int clamp(int i, int n, int lower, int upper) {
        if (i < 0) return Math.max(i + n, lower);
        return Math.min(i, upper);
    }

    @Override
    public void appendStructure(StringBuilder b, Bindings bindings) {
        base.appendStructure(b, bindings);
        b.append('[');
        for (int i = 0; i < 3; i++) {
            if (i > 0) b.append(':');
            if (bounds[i] != null) bounds[i].appendStructure(b, bindings);
        }
        b.append(']');
    }

    @Override
    public String toString() {
        return "[:]";
    }

    @Override
    public int getCardinality() {
        return 4;
    }

    @Override
    public AstNode getChild(int i) {
        return i == 0 ? base : bounds[i - 1];
    }
}
