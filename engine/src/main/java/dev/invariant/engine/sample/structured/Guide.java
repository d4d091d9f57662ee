package dev.invariant.engine.sample.structured;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.text.Tokenizer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A structured output against one tokenizer's vocabulary: which tokens may come next. The mask is a pure function
 * of the output tokens so far (their bytes walked through the automaton from its start), so n samples, beams,
 * preemption and prefix caching cannot change it. Masks are kept per automaton state. Thread-safe.
 */
public final class Guide {
    /** Guides kept per tokenizer, by constraint. */
    private static final int CACHE = 16;
    /** Output prefixes whose positions a guide keeps: at least the constrained sequences that run at once. */
    private static final int WALKED = 1024;
    /** Masks a guide keeps at most (one is a bit per id: 19 KiB for a 151,936-id vocabulary). */
    private static final int MAX_MASKS = 2048;
    private static final Map<Tokenizer, Vocabulary> VOCABULARIES = new WeakHashMap<>();

    /** A tokenizer's token bytes for one row length, and the guides made on them. */
    private record Vocabulary(byte[][] tokens, Map<StructuredOutput, Guide> guides) {
    }

    private final ByteAutomaton automaton;
    private final byte[][] tokens;
    private final boolean stripsLeadingSpace;
    /** Per (state, at output start): the ids, end ids aside, whose bytes keep the automaton alive. */
    private final Map<Long, BitSet> masks = new HashMap<>();
    /**
     * Positions of recent outputs, so that a step walks only its newest token: the position is a function of the
     * output alone, so a kept one is the one a walk from the start would give.
     */
    private final Map<IntsKey, Position> walked = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<IntsKey, Position> eldest) {
            return size() > WALKED;
        }
    };

    private Guide(ByteAutomaton automaton, byte[][] tokens, boolean stripsLeadingSpace) {
        this.automaton = automaton;
        this.tokens = tokens;
        this.stripsLeadingSpace = stripsLeadingSpace;
    }

    /**
     * The guide of {@code so} for a vocabulary of {@code vocab} ids (the logits row's length), shared by requests
     * with an equal constraint on the same tokenizer.
     */
    public static Guide of(StructuredOutput so, Tokenizer tokenizer, int vocab) {
        synchronized (VOCABULARIES) {
            Vocabulary v = VOCABULARIES.get(tokenizer);
            if (v == null || v.tokens.length != vocab) {
                byte[][] bytes = new byte[vocab][];
                for (int id = 0; id < vocab; id++) bytes[id] = tokenizer.tokenBytes(id);
                v = new Vocabulary(bytes, lru());
                VOCABULARIES.put(tokenizer, v);
            }
            Guide g = v.guides.get(so);
            if (g == null) {
                g = new Guide(so.automaton(), v.tokens, tokenizer.stripsLeadingSpace());
                v.guides.put(so, g);
            }
            return g;
        }
    }

    private static Map<StructuredOutput, Guide> lru() {
        // access order, the eldest dropped: a guide's masks are worth keeping while its constraint recurs
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<StructuredOutput, Guide> eldest) {
                return size() > CACHE;
            }
        };
    }

    /** Where the output {@code history[promptLength..]} has led: its state and whether no byte is out yet. */
    public record Position(int state, boolean atStart) {
        public boolean dead() {
            return state == ByteAutomaton.DEAD;
        }
    }

    /**
     * Where the output {@code history[promptLength..]} leads: from the kept position of the output without its last
     * token when there is one, else walked from the start.
     */
    public Position position(int[] history, int promptLength) {
        int n = history.length - promptLength;
        if (n == 0) return new Position(automaton.start(), true);
        IntsKey all = new IntsKey(Arrays.copyOfRange(history, promptLength, history.length));
        Position before;
        synchronized (walked) {
            Position p = walked.get(all);
            if (p != null) return p;
            before = walked.get(new IntsKey(Arrays.copyOf(all.values(), n - 1)));
        }
        Position p = before != null ? walk(before, all.values(), n - 1)
                : walk(new Position(automaton.start(), true), all.values(), 0);
        synchronized (walked) {
            walked.put(all, p);
        }
        return p;
    }

    /** Walks {@code output[from..]}'s bytes from {@code at}; a token without bytes (special) or one refused: dead. */
    private Position walk(Position at, int[] output, int from) {
        int state = at.state;
        boolean atStart = at.atStart;
        for (int i = from; i < output.length && state != ByteAutomaton.DEAD; i++) {
            int id = output[i];
            byte[] b = id >= 0 && id < tokens.length ? tokens[id] : null;
            if (b == null || b.length == 0) return new Position(ByteAutomaton.DEAD, false);
            state = automaton.walk(state, b, atStart && stripsLeadingSpace && b[0] == ' ' ? 1 : 0);
            atStart = false;
        }
        return new Position(state, atStart);
    }

    public boolean accepting(Position p) {
        return !p.dead() && automaton.accepting(p.state);
    }

    /** The ids other than end ids that may come next (an end id may come exactly when {@link #accepting}). */
    public synchronized BitSet allowed(Position p) {
        if (p.dead()) return new BitSet();
        long key = (long) p.state << 1 | (p.atStart ? 1 : 0);
        BitSet mask = masks.get(key);
        if (mask == null) {
            // a mask is a function of its state: dropping them all costs time, never a different mask
            if (masks.size() >= MAX_MASKS) masks.clear();
            mask = new BitSet(tokens.length);
            for (int id = 0; id < tokens.length; id++) {
                byte[] b = tokens[id];
                if (b == null) continue;
                int from = p.atStart && stripsLeadingSpace && b.length > 0 && b[0] == ' ' ? 1 : 0;
                if (b.length > from && automaton.walk(p.state, b, from) != ByteAutomaton.DEAD) mask.set(id);
            }
            masks.put(key, mask);
        }
        return mask;
    }

    /** Whether the output is complete and nothing may follow it but an end id. */
    public boolean complete(int[] history, int promptLength) {
        Position p = position(history, promptLength);
        return accepting(p) && allowed(p).isEmpty();
    }

    /** The error of an output that no token can continue (docs/requests.md, "Structured outputs"). */
    public static EngineException deadEnd(int position) {
        return EngineException.invalid(StructuredOutput.FIELD, "the structured output cannot be continued at output"
                + " position " + position + ": no token this request may generate (its vocabulary, allowed_token_ids,"
                + " min_tokens) spells a next byte the constraint allows; relax the constraint or those parameters");
    }
}
