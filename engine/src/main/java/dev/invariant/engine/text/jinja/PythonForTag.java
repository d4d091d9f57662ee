package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's {@code for}: {@code {% for x in xs if cond %}} (the loop counts only the kept items), {@code {% else %}}
 * when nothing was iterated, unpacking ({@code for k, v in d.items()}), strings iterated by character, and
 * {@link PythonLoop}. Jinjava's tag has no filter or else (it rendered the else body on every pass).
 */
final class PythonForTag implements Tag {
    private static final long serialVersionUID = 1L;
    private static final Pattern HEAD = Pattern.compile("\\s*\\(?\\s*(\\w+(?:\\s*,\\s*\\w+)*)\\s*,?\\s*\\)?\\s+in\\s+(.+)", Pattern.DOTALL);

    @Override
    public String getName() {
        return "for";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        Matcher m = HEAD.matcher(tagNode.getHelpers());
        if (!m.matches()) throw new InterpretException("malformed for tag: " + tagNode.getHelpers(), tagNode.getLineNumber());
        List<String> names = Arrays.stream(m.group(1).split(",")).map(String::trim).toList();
        String[] iterAndFilter = ExpressionSplitter.atKeyword(m.group(2), "if");
        if (ExpressionSplitter.atKeyword(iterAndFilter[0], "recursive").length > 1) {
            throw new InterpretException("recursive loops are not supported", tagNode.getLineNumber());
        }
        List<Object> items = items(interpreter.resolveELExpression(iterAndFilter[0], tagNode.getLineNumber()));
        if (iterAndFilter.length > 1) items = kept(items, names, iterAndFilter[1], tagNode, interpreter);

        List<Node> body = new ArrayList<>();
        List<Node> otherwise = new ArrayList<>();
        for (Node child : tagNode.getChildren()) {
            if (!otherwise.isEmpty() || child instanceof TagNode t && t.getName().equals("else")) otherwise.add(child);
            else body.add(child);
        }
        StringBuilder out = new StringBuilder();
        if (items.isEmpty()) {
            for (Node n : otherwise.subList(Math.min(1, otherwise.size()), otherwise.size())) out.append(n.render(interpreter).getValue());
            return out.toString();
        }
        try (var scope = interpreter.enterScope()) {
            PythonLoop loop = new PythonLoop(items);
            interpreter.getContext().put("loop", loop);
            while (loop.hasNext()) {
                bind(names, loop.next(), interpreter);
                for (Node n : body) {
                    out.append(n.render(interpreter).getValue());
                    if (loop.isContinued()) break;
                }
            }
        }
        return out.toString();
    }

    /** What a for loop walks: a map's keys, a string's characters, a sequence's items; nothing if undefined. */
    static List<Object> items(Object collection) {
        return switch (collection) {
            case null -> throw new IllegalArgumentException("'NoneType' object is not iterable");
            case Undefined u -> new ArrayList<>();
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> new ArrayList<>(s.codePoints().mapToObj(Character::toString).toList());
            case Iterable<?> it -> {
                List<Object> list = new ArrayList<>();
                it.forEach(list::add);
                yield list;
            }
            case Object[] a -> new ArrayList<>(Arrays.asList(a));
            default -> new ArrayList<>(List.of(collection));
        };
    }

    private static List<Object> kept(List<Object> items, List<String> names, String filter, TagNode tag, JinjavaInterpreter interpreter) {
        List<Object> kept = new ArrayList<>();
        try (var scope = interpreter.enterScope()) {
            for (Object item : items) {
                bind(names, item, interpreter);
                if (PythonTruth.of(interpreter.resolveELExpression(filter, tag.getLineNumber()))) kept.add(item);
            }
        }
        return kept;
    }

    private static void bind(List<String> names, Object item, JinjavaInterpreter interpreter) {
        if (names.size() == 1) {
            interpreter.getContext().put(names.getFirst(), item);
            return;
        }
        List<Object> parts = item instanceof Map.Entry<?, ?> e ? Arrays.asList(e.getKey(), e.getValue()) : items(item);
        if (parts.size() != names.size()) {
            throw new InterpretException("cannot unpack " + parts.size() + " values into " + names.size() + " loop variables", -1);
        }
        for (int i = 0; i < names.size(); i++) interpreter.getContext().put(names.get(i), parts.get(i));
    }

    @Override
    public String getEndTagName() {
        return "endfor";
    }
}
