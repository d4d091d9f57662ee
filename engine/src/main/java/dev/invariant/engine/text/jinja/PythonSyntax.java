package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import jinjava.de.odysseus.el.tree.impl.Parser;

/** The expression tree builder that parses with {@link PythonParser}; public for the EL factory's reflection. */
public final class PythonSyntax extends ExtendedSyntaxBuilder {
    private static final long serialVersionUID = 1L;

    public PythonSyntax() {
        super();
    }

    public PythonSyntax(Feature... features) {
        super(features);
    }

    @Override
    protected Parser createParser(String expression) {
        return new PythonParser(this, expression);
    }
}
