package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.el.ext.CollectionNonMembershipOperator;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import com.hubspot.jinjava.el.ext.PowerOfOperator;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.Scanner.ScanException;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

/**
 * Jinjava's expression parser with the Python syntax it lacks: slices with a step ({@code messages[::2]}),
 * chained comparisons ({@code 0 < i < n}), a trailing comma ({@code ('system',)}), Jinja2's place for {@code not}
 * (below comparisons and tests), keyword arguments, tuples beside dicts, {@code x.0}, attributes of none
 * ({@link AstNoneSafe}), and Python's {@code and} and {@code %} (see {@link PythonOperators}). Parsing assumes jinjava's natural operator precedence, which
 * {@link Jinja2Environment} always switches on.
 */
final class PythonParser extends ExtendedParser {
    PythonParser(Builder context, String input) {
        super(context, input);
    }

    /** {@code * / // %} over {@link #pow}: jinjava parsed {@code **} at this level, so {@code 2 * 3 ** 2} was 36. */
    @Override
    protected AstNode mul(boolean required) throws ScanException, ParseException {
        AstNode v = pow(required);
        while (v != null) {
            Scanner.Token token = getToken();
            AstBinary.Operator op = switch (token.getSymbol()) {
                case MUL -> AstBinary.MUL;
                case DIV -> AstBinary.DIV;
                case MOD -> AstBinary.MOD;
                default -> null;
            };
            if (op != null) {
                consumeToken();
                v = createAstBinary(v, pow(true), op);
            } else if (token.getSymbol() == Scanner.Symbol.EXTENSION && token != PowerOfOperator.TOKEN
                    && getExtensionHandler(token).getExtensionPoint() == ExtensionPoint.MUL) { // //
                v = getExtensionHandler(consumeToken()).createAstNode(v, pow(true));
            } else {
                break;
            }
        }
        return v;
    }

    /** Jinja2's {@code **}: above {@code *} and below filters and unary minus, left to right. */
    private AstNode pow(boolean required) throws ScanException, ParseException {
        AstNode v = filter(required);
        while (v != null && getToken() == PowerOfOperator.TOKEN) {
            consumeToken();
            v = createAstBinary(v, filter(true), PythonOperators.POW);
        }
        return v;
    }

    @Override
    protected Scanner createScanner(String expression) {
        return new PythonScanner(expression);
    }

    @Override
    protected AstDot createAstDot(AstNode base, String property, boolean lvalue) {
        return new AstNoneSafe.Dot(base, property, lvalue);
    }

    @Override
    protected AstBracket createAstBracket(AstNode base, AstNode property, boolean lvalue, boolean strict) {
        return new AstNoneSafe.Bracket(base, property, lvalue, strict);
    }

    @Override
    protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
        return super.createAstBinary(left, right, PythonOperators.of(operator));
    }

    /** {@code x if cond} without else is undefined, not none; the condition is an or-expression, as in Jinja2. */
    @Override
    protected AstNode expr(boolean required) throws ScanException, ParseException {
        AstNode v = or(required);
        if (v == null || getToken().getSymbol() != Scanner.Symbol.QUESTION) return v;
        if (!getToken().getImage().equals("if")) { // EL's c ? a : b, which jinjava also accepts
            consumeToken();
            AstNode a = expr(true);
            consumeToken(Scanner.Symbol.COLON);
            return createAstChoice(v, a, expr(true));
        }
        consumeToken();
        AstNode cond = or(true);
        AstNode otherwise = new AstUndefined();
        if (getToken().getImage().equals("else")) {
            consumeToken();
            otherwise = expr(true);
        }
        return createAstChoice(cond, v, otherwise);
    }

    /**
     * Jinja2's {@code not} binds looser than comparisons and tests and tighter than {@code and}: {@code not x is
     * defined} is {@code not (x is defined)} and {@code not a == b} is {@code not (a == b)}; EL's unary {@code not}
     * made both {@code (not x) ...}, so Llama 3's {@code if not tools is defined} dropped the tools.
     */
    @Override
    protected AstNode and(boolean required) throws ScanException, ParseException {
        AstNode v = not(required);
        while (v != null && getToken().getSymbol() == Scanner.Symbol.AND) {
            consumeToken();
            v = createAstBinary(v, not(true), AstBinary.AND);
        }
        return v;
    }

    private AstNode not(boolean required) throws ScanException, ParseException {
        if (getToken().getSymbol() != Scanner.Symbol.NOT) return eq(required);
        consumeToken();
        return createAstUnary(not(true), AstUnary.NOT);
    }

    /** {@code a < b < c} is {@code a < b and b < c}; jinjava stops after one comparison. */
    @Override
    protected AstNode cmp(boolean required) throws ScanException, ParseException {
        AstNode left = add(required);
        if (left == null) return null;
        AstNode chain = null;
        while (true) {
            AstBinary.Operator op = switch (getToken().getSymbol()) {
                case LT -> AstBinary.LT;
                case LE -> AstBinary.LE;
                case GT -> AstBinary.GT;
                case GE -> AstBinary.GE;
                default -> null;
            };
            AstNode right;
            AstNode test;
            if (op != null) {
                consumeToken();
                right = add(true);
                test = createAstBinary(left, right, op);
            } else if (getToken().getSymbol() == Scanner.Symbol.EXTENSION
                    && getExtensionHandler(getToken()).getExtensionPoint() == ExtensionPoint.CMP) {
                ExtensionHandler handler = getExtensionHandler(consumeToken());
                right = add(true);
                test = handler.createAstNode(left, right);
            } else if ("not".equals(getToken().getImage()) && "in".equals(lookahead(0).getImage())) {
                consumeToken();
                consumeToken();
                right = add(true);
                test = getExtensionHandler(CollectionNonMembershipOperator.TOKEN).createAstNode(left, right);
            } else {
                return chain == null ? left : chain;
            }
            chain = chain == null ? test : createAstBinary(chain, test, AstBinary.AND);
            left = right;
        }
    }

    /** A test after a filter chain ({@code messages|length is even}), which jinjava does not parse. */
    @Override
    protected AstNode filter(boolean required) throws ScanException, ParseException {
        AstNode v = super.filter(required);
        while (v != null && "is".equals(getToken().getImage()) && lookahead(0).getSymbol() != Scanner.Symbol.EOF) {
            consumeToken();
            boolean negated = "not".equals(getToken().getImage());
            if (negated) consumeToken();
            String test = consumeToken().getImage();
            List<AstNode> params = new ArrayList<>(List.of(v, interpreter()));
            AstNode arg = value();
            if (arg != null) params.add(arg);
            v = createAstMethod(createAstDot(identifier(EXPTEST_PREFIX + test), negated ? "evaluateNegated" : "evaluate", true),
                    createAstParameters(params));
        }
        return v;
    }

    /**
     * Python allows a trailing comma in calls, lists and tuples. A keyword argument's value is a whole expression:
     * jinjava parsed {@code =} as an operator at {@code +}'s level, so Qwen3's
     * {@code namespace(last_query_index=messages|length - 1)} subtracted 1 from the keyword itself.
     */
    @Override
    protected AstParameters params(Scanner.Symbol left, Scanner.Symbol right) throws ScanException, ParseException {
        consumeToken(left);
        List<AstNode> list = new ArrayList<>();
        for (AstNode v = param(); v != null; v = param()) {
            list.add(v);
            if (getToken().getSymbol() != Scanner.Symbol.COMMA) break;
            consumeToken();
        }
        consumeToken(right);
        return createAstParameters(list);
    }

    private AstNode param() throws ScanException, ParseException {
        if (getToken().getSymbol() != Scanner.Symbol.IDENTIFIER || lookahead(0) != NamedParameterOperator.TOKEN) {
            return expr(false);
        }
        String name = consumeToken().getImage();
        consumeToken();
        return getExtensionHandler(NamedParameterOperator.TOKEN).createAstNode(identifier(name), expr(true));
    }

    /**
     * {@code (...)}: a tuple when a comma stands at its top level, else a parenthesised expression. Jinjava looked for
     * that comma past dict braces, so Llama Guard's {@code set categories = ({"S1": ..., "S2": ...})} became a tuple
     * holding the dict.
     */
    @Override
    protected AstNode nonliteral() throws ScanException, ParseException {
        if (getToken().getSymbol() != Scanner.Symbol.LPAREN) return super.nonliteral();
        int depth = 0;
        for (int i = 0; ; i++) {
            Scanner.Token t = lookahead(i);
            Scanner.Symbol s = t.getSymbol();
            if (s == Scanner.Symbol.EOF) break;
            boolean brace = s == Scanner.Symbol.EXTENSION && (t.getImage().equals("{") || t.getImage().equals("}"));
            if (s == Scanner.Symbol.LPAREN || s == Scanner.Symbol.LBRACK || brace && t.getImage().equals("{")) {
                depth++;
            } else if (s == Scanner.Symbol.RPAREN || s == Scanner.Symbol.RBRACK || brace) {
                if (depth == 0) return i == 0 ? createAstTuple(params()) : nested(); // () is the empty tuple
                depth--;
            } else if (s == Scanner.Symbol.COMMA && depth == 0) {
                return createAstTuple(params());
            }
        }
        return super.nonliteral();
    }

    private AstNode nested() throws ScanException, ParseException {
        consumeToken(Scanner.Symbol.LPAREN);
        AstNode v = expr(true);
        consumeToken(Scanner.Symbol.RPAREN);
        return createAstNested(v);
    }

    /** Jinjava's postfix parsing (attributes, calls, subscripts) with Python slices. */
    @Override
    protected AstNode value() throws ScanException, ParseException {
        boolean lvalue = true;
        AstNode v = nonliteral();
        if (v == null) {
            v = literal();
            if (v == null) return null;
            lvalue = false;
        }
        boolean methods = context.isEnabled(Builder.Feature.METHOD_INVOCATIONS);
        while (true) {
            switch (getToken().getSymbol()) {
                case DOT -> {
                    consumeToken();
                    if (getToken().getSymbol() == Scanner.Symbol.INTEGER) { // Jinja2: x.0 is x[0]
                        v = createAstBracket(v, literal(), lvalue, !context.isEnabled(Builder.Feature.NULL_PROPERTIES));
                        continue;
                    }
                    var dot = createAstDot(v, consumeToken(Scanner.Symbol.IDENTIFIER).getImage(), lvalue);
                    v = getToken().getSymbol() == Scanner.Symbol.LPAREN && methods ? createAstMethod(dot, params()) : dot;
                }
                case LBRACK -> {
                    consumeToken();
                    AstNode index = expr(false);
                    if (getToken().getSymbol() == Scanner.Symbol.COLON) {
                        v = slice(v, index);
                    } else {
                        consumeToken(Scanner.Symbol.RBRACK);
                        var bracket = createAstBracket(v, index, lvalue, !context.isEnabled(Builder.Feature.NULL_PROPERTIES));
                        v = getToken().getSymbol() == Scanner.Symbol.LPAREN && methods ? createAstMethod(bracket, params()) : bracket;
                    }
                }
                default -> {
                    return v;
                }
            }
        }
    }

    /** The rest of {@code [start:stop:step]} after start; the current token is the first colon. */
    private AstNode slice(AstNode base, AstNode start) throws ScanException, ParseException {
        consumeToken(Scanner.Symbol.COLON);
        AstNode stop = getToken().getSymbol() == Scanner.Symbol.COLON ? null : expr(false);
        AstNode step = null;
        if (getToken().getSymbol() == Scanner.Symbol.COLON) {
            consumeToken();
            step = expr(false);
        }
        consumeToken(Scanner.Symbol.RBRACK);
        return new AstSlice(base, start, stop, step);
    }
}
