package dev.invariant.engine.sample.structured;

import static dev.invariant.engine.sample.structured.RegexAutomatonTest.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Year;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Each format's regex against java.time, UUID and a plain octet check, exhaustively where cheap. */
class StringFormatsTest {
    private static ByteAutomaton format(String name) {
        return LazyDfa.of("f", StringFormats.ALL.get(name).regex());
    }

    private static boolean validDate(int y, int m, int d) {
        try {
            LocalDate.of(y, m, d);
            return y >= 1;
        } catch (DateTimeException e) {
            return false;
        }
    }

    @Test
    void datesAreExactlyTheValidOnesIncludingLeapDays() {
        ByteAutomaton a = format("date");
        int[][] spans = {{0, 5}, {96, 104}, {396, 404}, {1896, 1905}, {1999, 2001}, {2096, 2104}, {2399, 2401},
            {9996, 9999}};
        for (int[] span : spans) {
            for (int y = span[0]; y <= span[1]; y++) {
                for (int m = 0; m <= 13; m++) {
                    for (int d = 0; d <= 32; d++) {
                        String s = String.format("%04d-%02d-%02d", y, m, d);
                        assertEquals(validDate(y, m, d), matches(a, s), s);
                    }
                }
            }
        }
        for (int y = 0; y <= 9999; y++) {
            String s = String.format("%04d-02-29", y);
            assertEquals(y >= 1 && Year.isLeap(y), matches(a, s), s);
            assertEquals(y >= 1, matches(a, String.format("%04d-12-31", y)));
        }
        for (String bad : List.of("2023-1-01", "2023-01-1", "20230101", "12023-01-01", "2023/01/01", "2023-02-30")) {
            assertFalse(matches(a, bad), bad);
        }
    }

    @Test
    void timesHaveValidFieldsAndAnOffset() {
        ByteAutomaton a = format("time");
        for (int h = 0; h <= 25; h++) {
            for (int m = 0; m <= 61; m++) {
                for (int s : new int[] {0, 9, 30, 59, 60, 61}) {
                    for (String tail : List.of("Z", "+05:30", "-23:59", ".5Z", ".123456+00:00", "")) {
                        String t = String.format("%02d:%02d:%02d%s", h, m, s, tail);
                        boolean ok = h < 24 && m < 60 && s < 60 && !tail.isEmpty();
                        assertEquals(ok, matches(a, t), t);
                        if (ok && !tail.equals("-23:59")) OffsetTime.parse(t); // java.time stops at 18:00
                    }
                }
            }
        }
        for (String bad : List.of("12:00:00+24:00", "12:00:00+05:60", "12:00:00.Z", "12:00:00.1234567Z",
                "12:00Z", "12:00:00z", "12:00:00 Z", "1:00:00Z")) {
            assertFalse(matches(a, bad), bad);
        }
    }

    @Test
    void dateTimesJoinADateAndATime() {
        ByteAutomaton a = format("date-time");
        for (String ok : List.of("2024-02-29T23:59:59Z", "0001-01-01T00:00:00.000001-12:00", "9999-12-31T12:30:00+14:00")) {
            assertTrue(matches(a, ok), ok);
            OffsetDateTime.parse(ok);
        }
        for (String bad : List.of("2023-02-29T00:00:00Z", "2024-01-01 00:00:00Z", "2024-01-01t00:00:00Z",
                "2024-01-01T00:00:00", "2024-01-01")) {
            assertFalse(matches(a, bad), bad);
        }
    }

    @Test
    void uuidsAreFiveHexGroups() {
        ByteAutomaton a = format("uuid");
        for (int i = 0; i < 200; i++) {
            String u = UUID.randomUUID().toString();
            assertTrue(matches(a, u) && matches(a, u.toUpperCase()), u);
        }
        String ok = "123e4567-E89B-12d3-a456-426614174000";
        assertTrue(matches(a, ok));
        assertEquals(UUID.fromString(ok).toString(), ok.toLowerCase());
        for (String bad : List.of("123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400",
                "{123e4567-e89b-12d3-a456-426614174000}", "123e4567-e89b-12d3-a456-42661417400g")) {
            assertFalse(matches(a, bad), bad);
        }
    }

    @Test
    void ipv4OctetsAreExactlyZeroTo255WithoutLeadingZeros() {
        ByteAutomaton a = format("ipv4");
        for (int n = 0; n <= 1000; n++) {
            for (String spelling : List.of(Integer.toString(n), String.format("%02d", n), String.format("%03d", n))) {
                String ip = "10." + spelling + ".0.255";
                boolean ok = n <= 255 && spelling.equals(Integer.toString(n));
                assertEquals(ok, matches(a, ip), ip);
            }
        }
        for (String bad : List.of("1.2.3", "1.2.3.4.5", "1..3.4", "256.1.1.1", "-1.0.0.0")) assertFalse(matches(a, bad), bad);
    }

    @Test
    void schemaFormatsAndTheirRefusals() {
        ByteAutomaton a = StructuredOutput.jsonSchema("guided_json",
                "{\"type\":\"string\",\"format\":\"uuid\",\"minLength\":36,\"maxLength\":40}").automaton();
        assertTrue(matches(a, "\"123e4567-e89b-12d3-a456-426614174000\""));
        assertFalse(matches(a, "123e4567-e89b-12d3-a456-426614174000"), "a JSON string, quoted");
        for (String bad : List.of("{\"type\":\"string\",\"format\":\"email\"}", "{\"type\":\"string\",\"format\":3}",
                "{\"type\":\"string\",\"format\":\"date\",\"pattern\":\"2.*\"}",
                "{\"type\":\"string\",\"format\":\"date\",\"maxLength\":8}",
                "{\"type\":\"string\",\"format\":\"date-time\",\"minLength\":21}")) {
            EngineException e = assertThrows(EngineException.class,
                    () -> StructuredOutput.jsonSchema("guided_json", bad), bad);
            assertEquals("guided_json", e.param(), bad);
        }
        var e = assertThrows(EngineException.class, () -> StructuredOutput.jsonSchema("guided_json",
                "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"string\",\"format\":\"email\"}}}"));
        assertTrue(e.getMessage().contains("/properties/m") && e.getMessage().contains("\"email\"")
                && e.getMessage().contains("date, date-time, ipv4, time, uuid"), e.getMessage());
    }
}
