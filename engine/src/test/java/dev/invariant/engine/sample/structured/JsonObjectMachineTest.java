package dev.invariant.engine.sample.structured;

import static dev.invariant.engine.sample.structured.RegexAutomatonTest.live;
import static dev.invariant.engine.sample.structured.RegexAutomatonTest.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** json_object's pushdown automaton against Jackson's parser. */
class JsonObjectMachineTest {
    private final JsonObjectMachine m = new JsonObjectMachine();

    @Test
    void acceptsObjectsInTheWhitespaceRule() {
        for (String ok : List.of("{}", "{\"a\":1}", "{\"a\": 1, \"b\": [true, false, null]}", "{\"x\":{\"y\":{}}}",
                "{\"s\":\"\\u00e9\\n\\\"q\\\" é 😀\"}", "{\"n\":-0.5e+10,\"m\":0,\"k\":[]}", "{\"a\":[[1],[2, [3]]]}")) {
            assertTrue(matches(m, ok), ok);
        }
        for (String bad : List.of("[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":01}", "{\"a\":1,}", "{ \"a\":1}",
                "{\"a\":  1}", "{\"a\":1}x", "{\"a\":tru}", "{\"a\":\"\n\"}", "{\"a\":1.}", "{'a':1}", "{\"a\":[1,]}")) {
            assertFalse(matches(m, bad), bad);
        }
        assertTrue(live(m, "{\"a\": [1, {\"b\": \"c"));
        assertFalse(live(m, "{\"a\": ]"));
    }

    @Test
    void everyAcceptedRandomStringParsesAsAnObject() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Random rnd = new Random(3);
        String alphabet = "{}[]\":, 0-1.eatrulfsn\\";
        int accepted = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder("{");
            int len = rnd.nextInt(12);
            for (int j = 0; j < len; j++) s.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            if (matches(m, s.toString())) {
                accepted++;
                assertTrue(json.readTree(s.toString()).isObject(), s.toString());
            }
        }
        assertTrue(accepted > 20, "the sample holds accepted strings: " + accepted);
    }

    @Test
    void nestingIsBounded() {
        String deep = "{\"a\":" + "[".repeat(JsonObjectMachine.MAX_DEPTH - 1);
        assertTrue(live(m, deep));
        assertFalse(live(m, deep + "["));
        assertEquals(ByteAutomaton.DEAD, m.step(m.start(), '['));
    }
}
