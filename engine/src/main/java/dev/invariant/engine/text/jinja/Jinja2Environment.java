package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

/**
 * A jinjava set up to render like transformers' Jinja2 environment for chat templates
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with loop controls,
 * {@code raise_exception}, {@code tojson} and the {@code generation} tag): Python values, syntax, filters and
 * tests where jinjava's differ. lstrip_blocks and the trailing newline are done on the source: see
 * {@link TemplateSource}.
 */
public final class Jinja2Environment {
    /**
     * Jinja2 semantics where jinjava has a switch for them; "whitespace required within tokens" stays off
     * because it stops {@code {%-} from parsing. Natural operator precedence is assumed by {@link PythonParser}.
     */
    private static final LegacyOverrides JINJA2 = LegacyOverrides.newBuilder()
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUsePyishObjectMapper(true)
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withAllowAdjacentTextNodes(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withKeepNullableLoopValues(true)
            .withHandleBackslashInQuotesOnly(true)
            .build();

    /** Python lookups first, then jinjava's default (read-only) resolver. */
    private static final CompositeELResolver RESOLVER = new CompositeELResolver();

    static {
        RESOLVER.add(new PythonResolver());
        RESOLVER.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    }

    /**
     * Below where Python's recursion limit stops a recursive Jinja2 macro (199 calls deep) and Java's stack would
     * overflow; far deeper than any tool schema needs (jinjava counts a loop inside the macro as a level too).
     */
    static final int MAX_MACRO_DEPTH = 150;

    private Jinja2Environment() {
    }

    public static Jinjava create() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // done on the source: TemplateSource
                .withKeepTrailingNewline(true) // likewise
                .withFailOnUnknownTokens(false)
                // a macro may call itself (JSON schema to type names), as in Jinja2; endless recursion fails
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(MAX_MACRO_DEPTH)
                // Jinja2 prints a value as text; jinjava would render a message's "{{ ... }}" or "{% raw %}" again
                // as template code (content evaluated, or a chat refused)
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(JINJA2)
                .withElResolver(RESOLVER)
                .withInterperterFactory(new PythonInterpreter.Factory())
                .build();
        Jinjava jinjava = new PythonJinjava(config);
        Context globals = jinjava.getGlobalContext();
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", String.class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class,
                "strftimeNow", String.class));
        globals.registerFunction(new ELFunctionDefinition("", "dict", TemplateFunctions.class, "dict", Object[].class));
        globals.registerFunction(new ELFunctionDefinition("", "namespace", TemplateFunctions.class, "namespace",
                Object[].class));
        PythonFilters.all().forEach(globals::registerFilter);
        PythonTests.all().forEach(globals::registerExpTest);
        globals.registerTag(new PythonIfTag());
        globals.registerTag(new PythonForTag());
        globals.registerTag(new PythonCallTag());
        globals.registerTag(new PythonMacroTag());
        globals.registerTag(new BlockTags.Filter());
        globals.registerTag(new BlockTags.Generation());
        globals.setDynamicVariableResolver(Jinja2Environment::unbound);
        return jinjava;
    }

    /**
     * The value of a name jinjava found no value for: none for {@code none}/{@code None} (jinjava reads them as
     * names) and for a name bound to none, undefined for a name never bound (jinjava has null for both).
     */
    private static Object unbound(String name) {
        if (name.equals("none") || name.equals("None")) return null;
        return JinjavaInterpreter.getCurrent().getContext().keySet().contains(name) ? null : Undefined.INSTANCE;
    }
}
