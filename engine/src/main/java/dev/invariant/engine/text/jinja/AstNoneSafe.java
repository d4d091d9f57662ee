package dev.invariant.engine.text.jinja;

import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.PropertyNotFoundException;

/**
 * {@code x.name} and {@code x[key]} where an attribute or item of none is undefined, as Jinja2's getattr/getitem
 * make it: EL gave null, so {@code none.type} printed {@code None} and {@code is defined} said true. Otherwise EL's
 * lookup, the prefix evaluated once.
 */
final class AstNoneSafe {
    private AstNoneSafe() {
    }

    private static Object lookup(Object base, Object property, ELContext context) {
        context.setPropertyResolved(false);
        Object result = context.getELResolver().getValue(context, base, property);
        if (!context.isPropertyResolved()) throw new PropertyNotFoundException("no property '" + property + "' on " + base);
        return result;
    }

    static final class Dot extends AstDot {
        Dot(AstNode base, String property, boolean lvalue) {
            super(base, property, lvalue);
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            return base == null ? Undefined.INSTANCE : lookup(base, getProperty(bindings, context), context);
        }
    }

    static final class Bracket extends AstBracket {
        Bracket(AstNode base, AstNode property, boolean lvalue, boolean strict) {
            super(base, property, lvalue, strict);
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            if (base == null) return Undefined.INSTANCE;
            Object property = getProperty(bindings, context);
            return property == null && strict ? null : lookup(base, property, context);
        }
    }
}
