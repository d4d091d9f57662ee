package dev.invariant.engine.text.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code strftime} (C locale) for the directives chat templates use: {@code %a %A %b %B %d %e %H %I %j %m %M
 * %p %S %w %y %Y %%}; any other is written as it stands, as glibc leaves an unknown one.
 */
final class Strftime {
    private Strftime() {
    }

    static String format(String format, ZonedDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'd' -> two(out, t.getDayOfMonth());
                case 'e' -> out.append(t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
                case 'H' -> two(out, t.getHour());
                case 'I' -> two(out, t.getHour() % 12 == 0 ? 12 : t.getHour() % 12);
                case 'j' -> out.append(String.format(Locale.ROOT, "%03d", t.getDayOfYear()));
                case 'm' -> two(out, t.getMonthValue());
                case 'M' -> two(out, t.getMinute());
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'S' -> two(out, t.getSecond());
                case 'w' -> out.append(t.getDayOfWeek().getValue() % 7);
                case 'y' -> two(out, t.getYear() % 100);
                case 'Y' -> out.append(t.getYear());
                case '%' -> out.append('%');
                default -> out.append('%').append(d);
            }
        }
        return out.toString();
    }

    private static void two(StringBuilder out, int v) {
        if (v < 10) out.append('0');
        out.append(v);
    }
}
