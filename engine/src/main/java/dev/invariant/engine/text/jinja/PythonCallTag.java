package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.MacroFunction;
import com.hubspot.jinjava.lib.tag.CallTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.LinkedHashMap;

/**
 * {@code {% call(item, n) each(xs) %}...{% endcall %}}: Jinja2's caller with parameters, which the macro passes
 * to {@code caller(x, i)}. Jinjava's tag takes no parameter list.
 */
final class PythonCallTag extends CallTag {
    private static final long serialVersionUID = 1L;

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        String helpers = tagNode.getHelpers().trim();
        if (!helpers.startsWith("(")) return super.interpret(tagNode, interpreter);
        int close = helpers.indexOf(')');
        LinkedHashMap<String, Object> params = new LinkedHashMap<>();
        for (String p : helpers.substring(1, close).split(",")) {
            String[] nameAndDefault = p.split("=", 2);
            if (nameAndDefault[0].isBlank()) continue;
            params.put(nameAndDefault[0].trim(), nameAndDefault.length == 1 ? null
                    : interpreter.resolveELExpression(nameAndDefault[1], tagNode.getLineNumber()));
        }
        try (var scope = interpreter.enterNonStackingScope()) {
            interpreter.getContext().addGlobalMacro(new MacroFunction(tagNode.getChildren(), "caller", params, true,
                    interpreter.getContext(), interpreter.getLineNumber(), interpreter.getPosition()));
            return interpreter.render("{{" + helpers.substring(close + 1).trim() + "}}");
        }
    }
}
