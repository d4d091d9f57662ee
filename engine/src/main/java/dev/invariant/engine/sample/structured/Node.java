package dev.invariant.engine.sample.structured;

import java.util.BitSet;
import java.util.List;

/** A parsed pattern over UTF-8 bytes: what {@link Nfa} compiles. Characters are already their byte sequences. */
sealed interface Node {
    /** One byte from a set. */
    record Bytes(BitSet set) implements Node {
    }

    /** The parts one after another; empty: the empty string. */
    record Seq(List<Node> parts) implements Node {
    }

    /** Any one of the options. */
    record Alt(List<Node> options) implements Node {
    }

    /** {@code min} to {@code max} repeats; {@code max} {@value #UNBOUNDED}: no upper bound. */
    record Repeat(Node node, int min, int max) implements Node {
        static final int UNBOUNDED = -1;
    }

    static Node bytes(int from, int to) {
        BitSet s = new BitSet(256);
        s.set(from, to + 1);
        return new Bytes(s);
    }

    /** The UTF-8 bytes of one code point, in order. */
    static Node codePoint(int cp) {
        byte[] b = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length == 1) return bytes(b[0] & 0xFF, b[0] & 0xFF);
        Node[] parts = new Node[b.length];
        for (int i = 0; i < b.length; i++) parts[i] = bytes(b[i] & 0xFF, b[i] & 0xFF);
        return new Seq(List.of(parts));
    }

    /**
     * Any character outside ASCII, as UTF-8's lead and continuation bytes (overlong and surrogate forms are not told
     * apart: a model's tokens spell valid UTF-8, and the regex only needs to let them through).
     */
    static Node anyNonAscii() {
        Node cont = bytes(0x80, 0xBF);
        return new Alt(List.of(
                new Seq(List.of(bytes(0xC2, 0xDF), cont)),
                new Seq(List.of(bytes(0xE0, 0xEF), cont, cont)),
                new Seq(List.of(bytes(0xF0, 0xF4), cont, cont, cont))));
    }
}
