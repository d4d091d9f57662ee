package dev.invariant.engine.sample.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The GBNF / EBNF reader: each construct, the canonical form it prints back, and what it refuses. */
class GbnfParserTest {
    private static String canonical(String grammar) {
        return StructuredOutput.grammar("guided_grammar", grammar).spec();
    }

    @Test
    void eachConstructPrintsBackInTheCanonicalForm() {
        assertEquals("root ::= \"a\" b\nb ::= \"x\" | \"y\"", canonical("root::=\"a\" b\n\nb ::= \"x\"|\"y\""));
        assertEquals("root ::= (\"a\" | \"b\")* \"c\"+ \"d\"? [0-9]{3} [a-z]{2,} .{1,4}",
                canonical("root ::= ( \"a\" | \"b\" ) * \"c\"+ \"d\"?[0-9]{3} [a-z]{ 2 , } . {1,4}"));
        assertEquals("root ::= [^\"\\n] [\\]\\-a-c] \"\\\"q\\\\\\t\\r\\x01\"",
                canonical("root ::= [^\"\\n] [\\]\\-a-c] \"\\\"q\\\\\\t\\r\\x01\""));
        // hex escapes name the characters they stand for, printed as themselves
        assertEquals("root ::= \"Aé😀\" [α-ω]", canonical("root ::= \"\\x41\\u00e9\\U0001F600\" [\\u03b1-\\u03c9]"));
        // {0,} is *, {1,} is +, {0,1} is ?, {2,2} is {2}; redundant parentheses go
        assertEquals("root ::= \"a\"* \"b\"+ \"c\"? \"d\"{2}", canonical("root ::= (\"a\"){0,} \"b\"{1,} \"c\"{0,1} ((\"d\")){2,2}"));
        assertEquals("root ::= \"\" | \"x\"", canonical("root ::= | \"x\""));
    }

    @Test
    void commentsAndLineBreaksChangeNothing() {
        String spaced = """
                # a comment line
                root ::= item ( "," item )*   # trailing comment
                item ::=
                    [a-z]+
                  | "#"   # a quoted '#' is a character
                """;
        assertEquals("root ::= item (\",\" item)*\nitem ::= [a-z]+ | \"#\"", canonical(spaced));
        assertEquals(canonical(spaced), canonical("root::=item(\",\"item)*\nitem::=[a-z]+|\"#\""));
        assertNotEquals(canonical("root ::= \"ab\""), canonical("root ::= \"a\" \"b\""), "literals are kept as written");
    }

    @Test
    void theCanonicalFormReadsBackToItself() {
        for (String g : new String[] {"root ::= (\"a\" | (\"b\" | \"c\")) (\"d\" \"e\")*", "root ::= x{0,3}\nx ::= [^a-c\\n]",
                "root ::= \"\\\\\\\"\" [\\^\\[x]", "root ::= ((\"a\")?)?"}) {
            String once = canonical(g);
            assertEquals(once, canonical(once), g);
        }
    }

    @Test
    void aConstraintFromItsCanonicalSpecIsEqual() {
        var a = StructuredOutput.grammar("guided_grammar", "root ::= \"a\"  # x");
        assertEquals(a, new StructuredOutput(StructuredOutput.Kind.GRAMMAR, a.spec()));
        assertEquals(StructuredOutput.Kind.GRAMMAR, StructuredOutput.Kind.parse("k", "grammar"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`root ::= \"a`                               | the string is not closed | rule 'root', line 1",
            "`root ::= [a-`                               | class is not closed      | rule 'root'",
            "`root ::= []`                                | empty character class    | rule 'root'",
            "`root ::= [z-a]`                             | below its start          | rule 'root'",
            "`root ::= \"\\q\"`                           | unknown escape           | rule 'root'",
            "`root ::= \"\\xG0\"`                         | hex digits               | rule 'root'",
            "`root ::= \"\\uD800\"`                       | not a Unicode character  | rule 'root'",
            "`root ::= (\"a\"`                            | '(' is not closed        | rule 'root'",
            "`root ::= \"a\")`                            | unbalanced ')'           | rule 'root'",
            "`root ::= \"a\"{3,2}`                        | below its minimum        | rule 'root'",
            "`root ::= \"a\"{1001}`                       | above 1000               | rule 'root'",
            "`root ::= \"a\"{2`                           | '{' is not closed        | rule 'root'",
            "`root ::= \"a\" @`                           | unexpected '@'           | line 1, column 14",
            "`root ::= x x ::= \"a\" x ::= \"b\"`          | defined twice            | rule 'x', line 1",
            "`\"a\"`                                      | a rule name is expected  | line 1, column 1",
            "`root = \"a\"`                               | '::=' is expected        | rule 'root'",
            "``                                           | no rules                 | guided_grammar",
            "`root ::= x`                                 | 'x' is not defined       | rule 'root'",
            "`start ::= \"a\"`                            | no rule 'root'           | guided_grammar",
            "`root ::= root \"a\" | \"b\"`                | reach itself             | rule 'root'",
            "`root ::= a a ::= b \"x\" b ::= \"\" | a`     | reach itself             | a -> b -> a",
            "`root ::= (\"a\"?)*`                         | reach itself             | repeat of something that can be empty",
            "`root: \"a\" b /[0-9]+/`                     | Lark form                | GBNF / EBNF",
            "`%import common.NUMBER`                      | Lark form                | guided_grammar",
    })
    void refusalsNameTheFieldAndWhere(String grammar, String what, String where) {
        var e = assertThrows(EngineException.class, () -> StructuredOutput.grammar("guided_grammar", grammar));
        assertEquals("guided_grammar", e.param());
        assertTrue(e.getMessage().startsWith("guided_grammar: "), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertTrue(e.getMessage().contains(where), e.getMessage());
    }

    @Test
    void aRepeatExpandingTooFarIsRefused() {
        // nested repeats share their body's rule, so only many repeats side by side reach the bound
        String copies = " [a-z]{0,1000}".repeat(120);
        var e = assertThrows(EngineException.class, () -> StructuredOutput.grammar("g", "root ::=" + copies));
        assertTrue(e.getMessage().contains("more than " + GrammarProgram.MAX_ELEMENTS), e.getMessage());
    }
}
