package dev.invariant.engine.sample.structured;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.text.Tokenizer;
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
    private static final int CACHE = 32;
    private static final Map<Tokenizer, Map<StructuredOutput, Guide>> GUIDES = new WeakHashMap<>();

    private final ByteAutomaton automaton;
    private final byte[][] tokens;
    private final boolean stripsLeadingSpace;
    /** Per (state, at output start): the ids, end ids aside, whose bytes keep the automaton alive. */
    private final Map<Long, BitSet> masks = new HashMap<>();

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
        synchronized (GUIDES) {
            Map<StructuredOutput, Guide> byConstraint = GUIDES.computeIfAbsent(tokenizer, t -> lru());
            Guide g = byConstraint.get(so);
            if (g != null && g.tokens.length == vocab) return g;
            byte[][] bytes = new byte[vocab][];
            for (int id = 0; id < vocab; id++) bytes[id] = tokenizer.tokenBytes(id);
            g = new Guide(so.automaton(), bytes, tokenizer.stripsLeadingSpace());
            byConstraint.put(so, g);
            return g;
        }
    }

    private static Map<StructuredOutput, Guide> lru() {
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

    /** Walks the output's bytes; a token without bytes (special) or one the automaton refuses gives a dead position. */
    public Position position(int[] history, int promptLength) {
        int state = automaton.start();
        boolean atStart = true;
        for (int i = promptLength; i < history.length && state != ByteAutomaton.DEAD; i++) {
            int id = history[i];
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
