package dev.invariant.engine.sample.structured;

import java.util.Map;
import java.util.TreeMap;

/**
 * The string {@code format}s a JSON schema may give, each as an exact regex of the string's content (no quotes;
 * none needs escaping in JSON): every match is valid under RFC 3339 / RFC 4122 / RFC 2673 as JSON Schema defines the
 * format, and under Python's {@code date}/{@code time}/{@code datetime}/{@code uuid}/{@code ipaddress} parsers (what
 * pydantic and jsonschema check with). Where those disagree the regex takes what both accept: years 0001-9999
 * (Python has no year 0), seconds 00-59 (no leap second 60), 1 to 6 fraction digits, an upper-case {@code T} and
 * {@code Z}, an offset always ({@code time} in JSON Schema is RFC 3339's full-time).
 */
final class StringFormats {
    private StringFormats() {
    }

    private static final String D = "[0-9]";
    /** 0001-9999. */
    private static final String YEAR = "(?:" + D + "{3}[1-9]|" + D + "{2}[1-9]" + D + "|" + D + "[1-9]" + D + "{2}|[1-9]"
            + D + "{3})";
    /** Leap years of 0001-9999: divisible by 4 but not 100, or by 400. */
    private static final String LEAP_YEAR = "(?:" + D + "{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|"
            + "[13579][26])00)";
    /** Month and day, Feb 29 aside: each month's own number of days. */
    private static final String MONTH_DAY = "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]" + D + "|3[01])|(?:0[469]|11)-"
            + "(?:0[1-9]|[12]" + D + "|30)|02-(?:0[1-9]|1" + D + "|2[0-8]))";
    static final String DATE = "(?:" + YEAR + "-" + MONTH_DAY + "|" + LEAP_YEAR + "-02-29)";
    private static final String HOUR = "(?:[01]" + D + "|2[0-3])";
    private static final String MINUTE = "[0-5]" + D;
    static final String TIME = HOUR + ":" + MINUTE + ":" + MINUTE + "(?:\\." + D + "{1,6})?(?:Z|[+\\-]" + HOUR + ":"
            + MINUTE + ")";
    static final String DATE_TIME = DATE + "T" + TIME;
    private static final String HEX = "[0-9a-fA-F]";
    static final String UUID = HEX + "{8}-" + HEX + "{4}-" + HEX + "{4}-" + HEX + "{4}-" + HEX + "{12}";
    /** 0-255, no leading zero (Python's ipaddress refuses them, as octal would be ambiguous). */
    private static final String OCTET = "(?:25[0-5]|2[0-4]" + D + "|1" + D + "{2}|[1-9]?" + D + ")";
    static final String IPV4 = OCTET + "(?:\\." + OCTET + "){3}";

    /** A format: its regex and the least and greatest length of a match. */
    record Format(String regex, int minLength, int maxLength) {
    }

    static final Map<String, Format> ALL = new TreeMap<>(Map.of(
            "date", new Format(DATE, 10, 10),
            "time", new Format(TIME, 9, 21),
            "date-time", new Format(DATE_TIME, 20, 32),
            "uuid", new Format(UUID, 36, 36),
            "ipv4", new Format(IPV4, 7, 15)));
}
