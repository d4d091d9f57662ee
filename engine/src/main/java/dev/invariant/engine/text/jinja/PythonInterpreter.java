package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.errorcategory.BasicTemplateErrorCategory;

/**
 * Prints {@code {{ x }}} as Jinja2 does: Python's str() of the value ({@code True}, {@code None}, {@code [1, 'a']}),
 * and fails the render where a macro recursed too deep, as Python's recursion limit fails Jinja2's.
 */
final class PythonInterpreter extends JinjavaInterpreter {
    PythonInterpreter(Jinjava application, Context context, JinjavaConfig config) {
        super(application, context, config);
    }

    PythonInterpreter(JinjavaInterpreter orig) {
        super(orig);
    }

    @Override
    public String getAsString(Object object) {
        return object instanceof Undefined ? "" : PythonStr.str(object);
    }

    /** jinjava only warns at the macro depth limit and renders the call as nothing: Jinja2 raises RecursionError. */
    @Override
    public void addError(TemplateError error) {
        if (error.getCategory() == BasicTemplateErrorCategory.CYCLE_DETECTED
                && error.getSeverity() != TemplateError.ErrorType.FATAL) {
            error = new TemplateError(TemplateError.ErrorType.FATAL, error.getReason(), error.getItem(),
                    "maximum recursion depth exceeded: " + error.getMessage(), error.getFieldName(), error.getLineno(),
                    error.getStartPosition(), error.getException(), error.getCategory(), error.getCategoryErrors());
        }
        super.addError(error);
    }

    static final class Factory implements InterpreterFactory {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter orig) {
            return new PythonInterpreter(orig);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig config) {
            return new PythonInterpreter(application, context, config);
        }
    }
}
