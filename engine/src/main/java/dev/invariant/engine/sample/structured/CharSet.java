package dev.invariant.engine.sample.structured;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** A set of characters: ASCII as bits, other code points as ranges, or all of them. */
final class CharSet {
    final BitSet ascii = new BitSet(128);
    final List<int[]> ranges = new ArrayList<>();
    boolean allNonAscii;

    static CharSet of(int cp) {
        CharSet s = new CharSet();
        if (cp < 128) s.ascii.set(cp);
        else s.ranges.add(new int[] {cp, cp});
        return s;
    }

    /** The one character this set holds, or -1. */
    int single() {
        if (allNonAscii) return -1;
        if (ranges.isEmpty() && ascii.cardinality() == 1) return ascii.nextSetBit(0);
        if (ascii.isEmpty() && ranges.size() == 1 && ranges.getFirst()[0] == ranges.getFirst()[1]) {
            return ranges.getFirst()[0];
        }
        return -1;
    }

    void addRange(int lo, int hi, RegexParser p) {
        if (lo < 128) ascii.set(lo, Math.min(hi, 127) + 1);
        if (hi >= 128) ranges.add(new int[] {Math.max(lo, 128), hi});
        check(p);
    }

    void addAll(CharSet o, RegexParser p) {
        ascii.or(o.ascii);
        ranges.addAll(o.ranges);
        allNonAscii |= o.allNonAscii;
        check(p);
    }

    void negate(RegexParser p) {
        if (!ranges.isEmpty()) {
            throw p.error("a negated class may hold ASCII characters and \\D \\W \\S only");
        }
        ascii.flip(0, 128);
        allNonAscii = !allNonAscii;
    }

    private void check(RegexParser p) {
        long n = 0;
        for (int[] r : ranges) n += r[1] - r[0] + 1;
        if (!allNonAscii && n > RegexParser.MAX_CLASS_CODE_POINTS) {
            throw p.error("a class may name at most " + RegexParser.MAX_CLASS_CODE_POINTS + " non-ASCII characters");
        }
    }

    Node node() {
        List<Node> options = new ArrayList<>();
        if (!ascii.isEmpty()) options.add(new Node.Bytes((BitSet) ascii.clone()));
        if (allNonAscii) {
            options.add(Node.anyNonAscii());
        } else {
            for (int[] r : ranges) for (int cp = r[0]; cp <= r[1]; cp++) options.add(Node.codePoint(cp));
        }
        if (options.isEmpty()) return new Node.Bytes(new BitSet()); // matches nothing
        return options.size() == 1 ? options.getFirst() : new Node.Alt(options);
    }
}
