package dev.invariant.engine.text.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** strftime_now's formatting: Python's strftime in the C locale (the expected strings are CPython's). */
class StrftimeTest {
    private static final ZonedDateTime T = ZonedDateTime.of(2026, 3, 7, 15, 4, 9, 0, ZoneOffset.UTC);

    @Test
    void theDirectivesChatTemplatesUse() {
        // SmolLM3's and Llama 3.1/3.2's forms
        assertEquals("07 March 2026", Strftime.format("%d %B %Y", T));
        assertEquals("07 Mar 2026", Strftime.format("%d %b %Y", T));
        assertEquals("Sat, Saturday, 03/07/26", Strftime.format("%a, %A, %m/%d/%y", T));
        assertEquals("15:04:09 03 PM 066 6  7", Strftime.format("%H:%M:%S %I %p %j %w %e", T));
        assertEquals("100% %Q %", Strftime.format("100%% %Q %", T));
    }

    @Test
    void midnightAndNoonOnA12HourClock() {
        assertEquals("12 AM", Strftime.format("%I %p", T.withHour(0)));
        assertEquals("12 PM", Strftime.format("%I %p", T.withHour(12)));
    }
}
