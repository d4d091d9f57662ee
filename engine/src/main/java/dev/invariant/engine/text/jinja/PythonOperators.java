package dev.invariant.engine.text.jinja;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import jinjava.de.odysseus.el.misc.BooleanOperations;
import jinjava.de.odysseus.el.misc.NumberOperations;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * Binary operators whose Python meaning differs from EL's: {@code a and b} gives {@code a} when it is false, else
 * {@code b} (EL gives a boolean: {@code (x and 'Y') or 'N'} printed {@code true}); {@code a % b} takes the sign of
 * {@code b} ({@code -7 % 3} is 2) and, on a string, formats it ({@code '%d items' % n}); {@code *} repeats a
 * string or list; {@code **} is exact; {@code +} refuses what Python refuses ({@code 'x' + dict}: jinjava printed the
 * dict as Java writes a map, where transformers and vLLM refuse the conversation; {@code 'x' + none} and an
 * undefined operand likewise).
 */
final class PythonOperators {
    private PythonOperators() {
    }

    static final AstBinary.Operator AND = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            return PythonTruth.of(l) ? right.eval(bindings, context) : l;
        }

        @Override
        public String toString() {
            return "&&";
        }
    };

    static final AstBinary.Operator MOD = new Simple("%", (c, a, b) -> a instanceof String f ? PercentFormat.format(f, b) : mod(a, b));

    static final AstBinary.Operator MUL = new Simple("*", (c, a, b) -> {
        if (b instanceof Number n && (a instanceof String || a instanceof List<?>)) return repeat(a, n.intValue());
        if (a instanceof Number n && (b instanceof String || b instanceof List<?>)) return repeat(b, n.intValue());
        return NumberOperations.mul(c, a, b);
    });

    /** {@code **}: exact for integers (jinjava overflows past 2**63), a float for a negative exponent. */
    static final AstBinary.Operator POW = new Simple("**", (c, a, b) -> {
        if (!(a instanceof Number x) || !(b instanceof Number y)) {
            throw new ELException("unsupported operand types for **: " + PythonStr.typeName(a) + " and " + PythonStr.typeName(b));
        }
        if (isInteger(x) && isInteger(y) && y.longValue() >= 0) return integer(big(x).pow(y.intValue()));
        return Math.pow(x.doubleValue(), y.doubleValue());
    });

    /** jinjava's {@code +} (strings, lists, numbers), after Python's type check. */
    static final AstBinary.Operator PLUS = new AdditionOperator() {
        @Override
        protected Object apply(TypeConverter converter, Object a, Object b) {
            // Jinja2's Undefined and Python's None refuse +: jinjava wrote "x" and "nullx"
            if (a instanceof Undefined || b instanceof Undefined) throw new ELException("an undefined value cannot be added");
            if (a == null || b == null) {
                throw new ELException("unsupported operand type(s) for +: '" + PythonStr.typeName(a) + "' and '"
                        + PythonStr.typeName(b) + "'");
            }
            if (a instanceof String != b instanceof String || a instanceof Map<?, ?> || a instanceof List<?> != b instanceof List<?>) {
                throw new ELException(a instanceof String || a instanceof List<?>
                        ? "can only concatenate " + PythonStr.typeName(a) + " (not \"" + PythonStr.typeName(b) + "\") to " + PythonStr.typeName(a)
                        : "unsupported operand type(s) for +: '" + PythonStr.typeName(a) + "' and '" + PythonStr.typeName(b) + "'");
            }
            return super.apply(converter, a, b);
        }
    };

    /**
     * {@code ==} and {@code !=} with Python's bool-as-int ({@code true == 1}, {@code false != 0}): EL refused to coerce
     * a boolean to a number and failed the template. Other operands keep EL's comparison.
     */
    private static AstBinary.Operator equality(boolean equal) {
        return new Simple(equal ? "==" : "!=", (c, a, b) -> {
            if (a instanceof Boolean && b instanceof Number || a instanceof Number && b instanceof Boolean) {
                return (SortFilter.compare(a, b) == 0) == equal;
            }
            return equal ? BooleanOperations.eq(c, a, b) : BooleanOperations.ne(c, a, b);
        });
    }

    /** An operator on both operands' values. */
    private static final class Simple extends AstBinary.SimpleOperator {
        interface Body {
            Object apply(TypeConverter converter, Object a, Object b);
        }

        private final String symbol;
        private final Body body;

        Simple(String symbol, Body body) {
            this.symbol = symbol;
            this.body = body;
        }

        @Override
        protected Object apply(TypeConverter converter, Object a, Object b) {
            return body.apply(converter, a, b);
        }

        @Override
        public String toString() {
            return symbol;
        }
    }

    /** The Python operator for an EL one, or the EL one where they agree. */
    static AstBinary.Operator of(AstBinary.Operator op) {
        if (op == AstBinary.AND) return AND;
        if (op == AstBinary.MOD) return MOD;
        if (op == AstBinary.MUL) return MUL;
        if (op == AdditionOperator.OP) return PLUS;
        if (op == AstBinary.EQ) return equality(true);
        if (op == AstBinary.NE) return equality(false);
        return op;
    }

    /** {@code '-' * 3} and {@code [0] * 3}. */
    private static Object repeat(Object v, int times) {
        if (v instanceof String s) return s.repeat(Math.max(0, times));
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < times; i++) out.addAll((List<?>) v);
        return out;
    }

    private static Object mod(Object a, Object b) {
        if (!(a instanceof Number x) || !(b instanceof Number y)) {
            throw new ELException("unsupported operand types for %: " + PythonStr.typeName(a) + " and " + PythonStr.typeName(b));
        }
        if (isInteger(x) && isInteger(y)) {
            BigInteger d = big(y);
            if (d.signum() == 0) throw new ELException("integer modulo by zero");
            BigInteger r = big(x).mod(d.abs());
            if (d.signum() < 0 && r.signum() != 0) r = r.add(d);
            return integer(r);
        }
        double d = y.doubleValue();
        if (d == 0) throw new ELException("float modulo");
        double r = x.doubleValue() % d;
        return r != 0 && (r < 0) != (d < 0) ? r + d : r;
    }

    private static Object integer(BigInteger i) {
        return i.bitLength() < 64 ? (Object) i.longValue() : i;
    }

    private static boolean isInteger(Number n) {
        return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte || n instanceof BigInteger;
    }

    private static BigInteger big(Number n) {
        return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
    }
}
