package dev.invariant.engine.sample.structured;

import static dev.invariant.engine.sample.structured.RegexAutomatonTest.live;
import static dev.invariant.engine.sample.structured.RegexAutomatonTest.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The grammar's pushdown automaton against hand-written answers and against {@link GrammarReference}. */
class GrammarMachineTest {
    static final String PARENS = "root ::= \"\" | \"(\" root \")\" root";
    static final String LIST = "root ::= \"[\" (item (\",\" item)*)? \"]\"  item ::= [0-9]+ | \"\\\"\" [^\"\\n]* \"\\\"\"";
    static final String BOUNDS = "root ::= [ab]{2,4} \"x\"{3} \"y\"{1,}";
    static final String GREEK = "root ::= [α-ω]+ \" \" [^a-z]{2} .";
    static final String ARITH = """
            root   ::= expr
            expr   ::= term (("+" | "-") term)*
            term   ::= factor ("*" factor)*
            factor ::= [0-9]+ | "(" expr ")"
            """;
    static final String AMBIGUOUS = "root ::= (\"a\" | \"ab\")* \"b\"?";
    static final String GREETING = "root ::= greeting \", \" name \"!\"\ngreeting ::= \"hello\" | \"hi\"\nname ::= [A-Z] [a-z]*";
    static final String EMOJI = "root ::= (\"😀\" | \"é\" | [\\u4e00-\\u4e02])* \"\\t\"?";
    private static final List<String> GRAMMARS = List.of(PARENS, LIST, BOUNDS, GREEK, ARITH, AMBIGUOUS, GREETING, EMOJI);

    private static boolean accepts(String grammar, String text) {
        return matches(GrammarMachine.of("g", grammar), text);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "PARENS | ``            | true", "PARENS | `()`          | true", "PARENS | `(()())()`    | true",
            "PARENS | `(()`         | false", "PARENS | `())(`       | false", "PARENS | `((()))`      | true",
            "LIST   | `[]`          | true", "LIST   | `[1,22,\"x y\"]` | true", "LIST   | `[1,]`       | false",
            "LIST   | `[\"a\"b\"]`  | false", "LIST   | `[007]`        | true", "LIST   | `[ 1]`        | false",
            "BOUNDS | `abxxxy`      | true", "BOUNDS | `abababxxxyy` | false", "BOUNDS | `abbaxxxyyy` | true",
            "BOUNDS | `axxxy`       | false", "BOUNDS | `abxxy`       | false", "BOUNDS | `abxxx`       | false",
            "GREEK  | `αβ ÉÜ😀`     | true", "GREEK  | `ω 12.`        | true", "GREEK  | `a 12x`       | false",
            "GREEK  | `α ab.`       | false", "GREEK  | `α 1Ω`         | false", "GREEK  | `ς 日本語`     | true",
            "ARITH  | `1+2*3`       | true", "ARITH  | `(1+2)*3`      | true", "ARITH  | `((4))`       | true",
            "ARITH  | `1+`          | false", "ARITH  | `(1+2`         | false", "ARITH  | `2**3`        | false",
            "AMBIGUOUS | `aabab`    | true", "AMBIGUOUS | `abb`      | true", "AMBIGUOUS | `abbb`    | false",
            "AMBIGUOUS | ``         | true", "GREETING | `hi, Tom!`  | true", "GREETING | `hello, Al!` | true",
            "GREETING | `hey, Tom!` | false", "GREETING | `hi, tom!` | false", "GREETING | `hi,Tom!`   | false",
            "EMOJI  | `😀é😀丁\t`   | true", "EMOJI  | `丂丁`         | true", "EMOJI  | `七`           | false",
            "EMOJI  | `\t\t`        | false", "EMOJI  | `e`            | false",
    })
    void handWrittenAnswers(String grammar, String text, boolean expected) throws Exception {
        String g = (String) GrammarMachineTest.class.getDeclaredField(grammar.trim()).get(null);
        assertEquals(expected, accepts(g, text), grammar + " " + text);
        assertEquals(expected, GrammarReference.of(g).matches(text), "the reference agrees: " + grammar + " " + text);
    }

    @Test
    void randomStringsAgreeWithTheReference() {
        Random rnd = new Random(11);
        String alphabet = "()[],\"0123+-*abxyαωÉ 😀é丁\t";
        int[] cps = alphabet.codePoints().toArray();
        int accepted = 0;
        for (String g : GRAMMARS) {
            GrammarMachine m = GrammarMachine.of("g", g);
            GrammarReference ref = GrammarReference.of(g);
            for (int i = 0; i < 20_000; i++) {
                StringBuilder s = new StringBuilder();
                int len = rnd.nextInt(9);
                for (int j = 0; j < len; j++) s.appendCodePoint(cps[rnd.nextInt(cps.length)]);
                boolean expected = ref.matches(s.toString());
                assertEquals(expected, matches(m, s.toString()), g + " / " + s);
                if (expected) accepted++;
            }
            // walks of the automaton itself reach the strings random text rarely spells
            for (int i = 0; i < 300; i++) {
                String s = AutomatonSamples.sample(m, rnd, 40);
                assertTrue(ref.matches(s), g + " / " + s);
            }
        }
        assertTrue(accepted > 500, "random strings in the languages: " + accepted);
    }

    @Test
    void aPrefixIsLiveExactlyWhenSomeOutputContinuesIt() {
        GrammarMachine greek = GrammarMachine.of("g", GREEK);
        assertTrue(live(greek, "αβ Ü"));
        assertFalse(live(greek, "αβ Üa"));
        int alphaLead = 0xCE; // α is CE B1: its first byte alone is live, a Cyrillic lead (D0) is not
        assertTrue(greek.step(greek.start(), alphaLead) != ByteAutomaton.DEAD);
        assertEquals(ByteAutomaton.DEAD, greek.step(greek.start(), 0xD0));
    }

    @Test
    void onlyWellFormedUtf8IsRead() {
        GrammarMachine any = GrammarMachine.of("g", "root ::= .*");
        assertTrue(matches(any, "a\n😀\u0000é\uFFFF"));
        for (int[] bad : new int[][] {{0xC0, 0x80}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80},
                {0x80}, {0xF5}, {0xC3, 0x41}}) {
            int state = any.start();
            for (int b : bad) if (state != ByteAutomaton.DEAD) state = any.step(state, b);
            assertEquals(ByteAutomaton.DEAD, state, java.util.Arrays.toString(bad));
        }
        int half = any.step(any.start(), 0xC3);
        assertFalse(any.accepting(half), "a partly read character is no whole output");
    }

    @Test
    void nestingDeeperThanTheLimitIsADeadEnd() {
        GrammarMachine m = GrammarMachine.of("g", PARENS);
        int depth = GrammarMachine.MAX_DEPTH;
        assertTrue(matches(m, "(".repeat(depth) + ")".repeat(depth)));
        assertFalse(live(m, "(".repeat(depth + 1)));
        // a repeat is a rule that calls itself last: its stack stays flat however long it runs
        assertTrue(matches(GrammarMachine.of("g", "root ::= (\"ab\" [0-9])*"), "ab1".repeat(1000)));
        assertTrue(matches(GrammarMachine.of("g", ARITH), "1" + "+2".repeat(500)));
    }

    @Test
    void statesAreSharedByEveryWalkToThem() {
        GrammarMachine m = GrammarMachine.of("g", LIST);
        int a = m.walk(m.start(), "[1,2".getBytes(StandardCharsets.UTF_8), 0);
        int b = m.walk(m.start(), "[33,\"x\",4".getBytes(StandardCharsets.UTF_8), 0);
        assertEquals(a, b);
        assertEquals(m.step(a, ']'), m.step(b, ']'));
        assertTrue(m.accepting(m.step(a, ']')));
    }
}
