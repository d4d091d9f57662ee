package dev.invariant.engine.text.jinja;

import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;

/** The value of {@code a if cond} when cond is false: undefined, so it prints nothing (jinjava's none printed None). */
final class AstUndefined extends AstRightValue {
    @Override
    public Object eval(Bindings bindings, ELContext context) {
        return Undefined.INSTANCE;
    }

    @Override
    public void appendStructure(StringBuilder b, Bindings bindings) {
        b.append("undefined");
    }

    @Override
    public String toString() {
        return "undefined";
    }

    @Override
    public int getCardinality() {
        return 0;
    }

    @Override
    public AstNode getChild(int i) {
        return null;
    }
}
