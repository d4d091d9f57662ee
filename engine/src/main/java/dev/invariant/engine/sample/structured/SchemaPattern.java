package dev.invariant.engine.sample.structured;

import dev.invariant.engine.EngineException;
import java.util.BitSet;

/**
 * A JSON schema's {@code pattern} as the regex of a JSON string's content. The schema asks that the decoded string
 * contain a match (an unanchored search); the output is a whole match instead, which contains one, anchored or not,
 * so one leading {@code ^} and one trailing {@code $} are dropped. The pattern is spelled again with each character
 * set written out, less what JSON writes escaped ({@code "}, {@code \}, U+0000-U+001F): the content is generated
 * unescaped, so its text is the decoded value. A set left with nothing (a pattern that asks for {@code \n} or a quote)
 * is refused. What the sets may hold otherwise follows {@link RegexParser#schemaPattern}.
 */
final class SchemaPattern {
    private SchemaPattern() {
    }

    /** @param label what errors name (the field and the schema path) */
    static String regex(String field, String label, String pattern) {
        RegexParser p = RegexParser.schemaPattern(field, label, pattern);
        StringBuilder out = new StringBuilder("(?:");
        int at = p.bodyFrom;
        for (RegexParser.Span s : p.spans) {
            out.append(new String(p.cps, at, s.from() - at)); // groups, '|' and quantifiers, as written
            CharSet set = unescaped(s.set());
            if (set.ascii.isEmpty() && set.ranges.isEmpty() && !set.allNonAscii) {
                throw EngineException.invalid(field, label + ": the pattern's " + new String(p.cps, s.from(),
                        s.to() - s.from()) + " (at character " + s.from() + ") can only be a character that JSON"
                        + " writes escaped (\", \\ or U+0000-U+001F), which a string under a pattern never holds:"
                        + " remove it from the pattern (docs/requests.md, \"Structured outputs\")");
            }
            out.append(spell(set));
            at = s.to();
        }
        out.append(new String(p.cps, at, p.bodyTo - at));
        return out.append(')').toString();
    }

    private static CharSet unescaped(CharSet s) {
        CharSet out = new CharSet();
        out.ascii.or(s.ascii);
        out.ascii.clear(0, 0x20);
        out.ascii.clear('"');
        out.ascii.clear('\\');
        out.ranges.addAll(s.ranges);
        out.allNonAscii = s.allNonAscii;
        return out;
    }

    /** A set as a class: {@code [...]}, or {@code [^...]} of the ASCII it leaves out when it takes all non-ASCII. */
    private static String spell(CharSet s) {
        StringBuilder b = new StringBuilder("[");
        BitSet ascii = (BitSet) s.ascii.clone();
        if (s.allNonAscii) {
            // a negated class of the pattern: it named ASCII characters only (RegexParser refuses others)
            b.append('^');
            ascii.flip(0, 128);
        }
        for (int lo = ascii.nextSetBit(0); lo >= 0; lo = ascii.nextSetBit(lo)) {
            int hi = ascii.nextClearBit(lo) - 1;
            b.append(String.format("\\x%02x", lo));
            if (hi > lo) b.append(String.format("-\\x%02x", hi));
            lo = hi + 1;
        }
        if (!s.allNonAscii) {
            for (int[] r : s.ranges) {
                b.append(codePoint(r[0]));
                if (r[1] > r[0]) b.append('-').append(codePoint(r[1]));
            }
        }
        return b.append(']').toString();
    }

    private static String codePoint(int cp) {
        return cp <= 0xFFFF ? String.format("\\u%04x", cp) : Character.toString(cp);
    }
}
