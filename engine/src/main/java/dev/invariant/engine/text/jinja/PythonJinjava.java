package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.javax.el.ExpressionFactory;

/** Jinjava whose expressions parse with {@link PythonParser} and convert with {@link PythonTypeConverter}. */
final class PythonJinjava extends Jinjava {
    private final ExpressionFactory expressions;

    PythonJinjava(JinjavaConfig config) {
        super(config);
        Properties properties = new Properties();
        properties.setProperty(TreeBuilder.class.getName(), PythonSyntax.class.getName());
        expressions = new ExpressionFactoryImpl(properties, new PythonTypeConverter());
    }

    @Override
    public ExpressionFactory getExpressionFactory() {
        return expressions;
    }
}
