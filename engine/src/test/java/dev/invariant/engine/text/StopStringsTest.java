package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {

    /** What a streamer does with the deltas: the emitted text, cut before the first stop. */
    static String streamUntilStop(StopStrings stops, List<String> deltas) {
        var text = new StringBuilder();
        var emitted = new StringBuilder();
        for (String delta : deltas) {
            int before = text.length();
            text.append(delta);
            int match = stops.firstMatch(text, before - stops.maxLength() + 1);
            if (match >= 0) {
                emitted.append(text, emitted.length(), match);
                return emitted.toString();
            }
            int safe = text.length() - stops.holdBack(text);
            if (safe > emitted.length()) emitted.append(text, emitted.length(), safe);
        }
        return emitted.append(text, emitted.length(), text.length()).toString();
    }

    @Test
    void matchesAStopSpreadOverSeveralDeltas() {
        var stops = new StopStrings(List.of("<END>"));
        assertEquals("Once upon a time", streamUntilStop(stops, List.of("Once upon", " a time<", "E", "N", "D> more")));
    }

    @Test
    void holdsBackWhatCouldBecomeAStopAndReleasesItWhenItDoesNot() {
        var stops = new StopStrings(List.of("<END>"));
        assertEquals(3, stops.holdBack("abc<EN"));
        assertEquals(0, stops.holdBack("abc<EX"));
        assertEquals(1, stops.holdBack("a<"));
        assertEquals(0, stops.holdBack(""));
        assertEquals("abc<ENough said", streamUntilStop(stops, List.of("abc<EN", "ough said")));
    }

    @Test
    void holdBackNeverCoversACompleteStop() {
        var stops = new StopStrings(List.of("ab"));
        assertEquals(0, stops.holdBack("xab"), "a complete stop is firstMatch's business, not a prefix");
        assertEquals(1, stops.holdBack("xaba"));
    }

    @Test
    void holdBackIsTheLongestPrefixOverAllStops() {
        var stops = new StopStrings(List.of("xyz", "yzzz", "z"));
        assertEquals(3, stops.holdBack("..yzz"));
        assertEquals(2, stops.holdBack("..xy"));
    }

    @Test
    void earliestMatchWinsWhateverTheOrderOfStops() {
        var stops = new StopStrings(List.of("world", "o", "lo w"));
        assertEquals(3, stops.firstMatch("hello world", 0));
        assertEquals(3, new StopStrings(List.of("world", "lo w")).firstMatch("hello world", 0));
        assertEquals(6, new StopStrings(List.of("world", "lo w")).firstMatch("hello world", 4));
    }

    @Test
    void overlappingStopsStartingTogetherCutAtTheSamePlace() {
        var stops = new StopStrings(List.of("abcd", "ab", "bc"));
        assertEquals(2, stops.firstMatch("xxabcd", 0));
        assertEquals("xx", streamUntilStop(stops, List.of("xxa", "bcd")));
        // a longer stop that starts earlier but never completes does not hide a later complete one
        assertEquals(1, new StopStrings(List.of("abcz", "bcd")).firstMatch("abcd", 0));
    }

    @Test
    void searchFromSkipsEarlierMatchesAndNegativeStartsAtZero() {
        var stops = new StopStrings(List.of("aa"));
        assertEquals(0, stops.firstMatch("aaaa", -5));
        assertEquals(2, stops.firstMatch("aaaa", 2));
        assertEquals(-1, stops.firstMatch("aaaa", 3));
        assertEquals(-1, stops.firstMatch("a", 0));
    }

    @Test
    void matchesEndingAfterTheCheckedTextOnly() {
        var stops = new StopStrings(List.of("ab", "wxyz"));
        // "ab" ends inside the first 4 characters (text not checked, as under min_tokens): it never counts.
        assertEquals(-1, stops.firstMatchEndingAfter("zzabc", 4));
        assertEquals(2, stops.firstMatch("zzabc", 4 - stops.maxLength() + 1), "the window of the longest stop");
        assertEquals(2, stops.firstMatchEndingAfter("zzabc", 3), "ends in the new text");
        assertEquals(1, stops.firstMatchEndingAfter("zwxyzab", 4), "the earliest start wins");
        assertEquals(0, stops.firstMatchEndingAfter("ab", -7));
        // After every delta checked, it is the streamer's window.
        for (String text : new String[] {"qwxyab", "abwxyz", "xxwxyzab", "aab"}) {
            for (int before = 0; before <= text.length(); before++) {
                if (stops.firstMatch(text.substring(0, before), 0) >= 0) continue;
                assertEquals(stops.firstMatch(text, before - stops.maxLength() + 1),
                        stops.firstMatchEndingAfter(text, before), text + " after " + before);
            }
        }
    }

    @Test
    void noStopsNeverMatchAndHoldNothing() {
        var stops = new StopStrings(List.of());
        assertEquals(-1, stops.firstMatch("anything", 0));
        assertEquals(0, stops.holdBack("anything"));
        assertEquals("a b c", streamUntilStop(stops, List.of("a ", "b ", "c")));
    }

    @Test
    void emptyOrNullStopIsRejected() {
        var e = assertThrows(EngineException.class, () -> new StopStrings(List.of("ok", "")));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertThrows(EngineException.class, () -> new StopStrings(null));
    }

    @Test
    void stopsWorkOnTokenizerDeltasThatSplitCharacters() {
        try (Tokenizer t = Tokenizer.bytes(258)) {
            var detok = new IncrementalDetokenizer(t, true);
            var deltas = new java.util.ArrayList<String>();
            for (int id : t.encodeNoSpecial("你好，世界。再见")) deltas.add(detok.push(id));
            deltas.add(detok.flush());
            assertEquals("你好，世界", streamUntilStop(new StopStrings(List.of("。再")), deltas));
        }
    }
}
