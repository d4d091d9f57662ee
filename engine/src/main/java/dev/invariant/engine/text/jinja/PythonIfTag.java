package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.IfTag;
import com.hubspot.jinjava.tree.TagNode;

/** {@code if}/{@code elif} with Python's truth value: jinjava's counts the string "false" as false. */
final class PythonIfTag extends IfTag {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isPositiveIfElseNode(TagNode tagNode, JinjavaInterpreter interpreter) {
        return PythonTruth.of(interpreter.resolveELExpression(tagNode.getHelpers(), tagNode.getLineNumber(),
                tagNode.getStartPosition()));
    }
}
