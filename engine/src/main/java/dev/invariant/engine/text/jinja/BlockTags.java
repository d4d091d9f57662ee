package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/** Block tags that jinjava lacks: Jinja2's {@code filter} and transformers' {@code generation}. */
final class BlockTags {
    private BlockTags() {
    }

    /** A tag {@code name} with a body up to {@code endname}. */
    private abstract static class Block implements Tag {
        private static final long serialVersionUID = 1L;
        private final String name;

        Block(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getEndTagName() {
            return "end" + name;
        }

        static String body(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node n : tagNode.getChildren()) out.append(n.render(interpreter).getValue());
            return out.toString();
        }
    }

    /** {@code {% filter upper %}...{% endfilter %}}: the rendered body through the filter(s) named. */
    static final class Filter extends Block {
        private static final long serialVersionUID = 1L;
        private static final String BODY = "__filter_block_body__";

        Filter() {
            super("filter");
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            String body = body(tagNode, interpreter);
            try (var scope = interpreter.enterScope()) {
                interpreter.getContext().put(BODY, body);
                return interpreter.getAsString(interpreter.resolveELExpression(BODY + "|" + tagNode.getHelpers().trim(),
                        tagNode.getLineNumber()));
            }
        }
    }

    /**
     * transformers' {@code {% generation %}} marks the assistant's tokens for training masks; rendering a prompt, it
     * is its body.
     */
    static final class Generation extends Block {
        private static final long serialVersionUID = 1L;

        Generation() {
            super("generation");
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            return body(tagNode, interpreter);
        }
    }
}
