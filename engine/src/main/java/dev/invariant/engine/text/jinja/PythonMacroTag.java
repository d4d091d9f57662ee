package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.MacroFunction;
import com.hubspot.jinjava.lib.tag.MacroTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.LinkedHashMap;
import java.util.regex.Pattern;

/**
 * {@code macro} whose parameters without a default are undefined when a call leaves them out, as in Jinja2;
 * jinjava made them none, so {@code is defined} said true.
 */
final class PythonMacroTag extends MacroTag {
    private static final long serialVersionUID = 1L;

    @Override
    protected MacroFunction constructMacroFunction(TagNode tagNode, JinjavaInterpreter interpreter, String name,
            LinkedHashMap<String, Object> defaults) {
        String signature = tagNode.getHelpers();
        // jinjava holds null both for "no default" and for "= none": the signature tells them apart
        defaults.replaceAll((param, value) -> value == null
                && !Pattern.compile("(?<![\\w.])" + Pattern.quote(param) + "\\s*=(?!=)").matcher(signature).find()
                ? Undefined.INSTANCE : value);
        return super.constructMacroFunction(tagNode, interpreter, name, defaults);
    }
}
