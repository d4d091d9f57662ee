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
 * fails the render where a macro recursed too deep, as Python's recursion limit fails Jinja2's, and reads a name
 * bound to none in an inner scope as none.
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

    /**
     * A name bound to none in the innermost scope that binds it is none: jinjava looked a null up in the outer scopes,
     * so a macro called with none, or a loop over [none], read the caller's variable of that name (Gemma's
     * recursive argument formatter then recursed on the enclosing dict without end).
     */
    @Override
    public Object retraceVariable(String variable, int lineNumber, int startPosition) {
        for (Context c = getContext(); c != null && variable != null && variable.indexOf('.') < 0; c = c.getParent()) {
            if (c.getScope().containsKey(variable)) {
                if (c.getScope().get(variable) == null) return null;
                break;
            }
        }
        return super.retraceVariable(variable, lineNumber, startPosition);
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
