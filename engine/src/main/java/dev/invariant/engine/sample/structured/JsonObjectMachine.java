package dev.invariant.engine.sample.structured;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code response_format: {"type": "json_object"}}: any JSON object (RFC 8259), as a pushdown automaton over
 * bytes. Whitespace follows the rule of every structured output here: none, except one optional space after
 * {@code ,} and {@code :} (json.dumps' default separators or compact), so a model cannot pad an output
 * with whitespace forever. Containers nest at most {@value #MAX_DEPTH} deep. A state is the open containers
 * and the lexical position, interned to an int when first reached. Thread-safe.
 */
final class JsonObjectMachine implements ByteAutomaton {
    static final int MAX_DEPTH = 32;

    private enum Mode {
        START, OBJ_OPEN, KEY_SP, KEY, COLON, VALUE_SP, VALUE, ARR_OPEN, AFTER, DONE,
        STRING, ESCAPE, HEX, UTF8, N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP, LITERAL
    }

    /**
     * @param stack open containers, '{' or '[', outermost first
     * @param aux   STRING/ESCAPE/HEX/UTF8: 1 when a key is being read, plus 2 × the hex digits or continuation
     *              bytes still due; LITERAL: the rest of true/false/null still due, as an index into LITERALS
     */
    private record State(String stack, Mode mode, int aux) {
    }

    private static final String[] LITERALS = {"rue", "ue", "e", "alse", "lse", "se", "e", "ull", "ll", "l"};

    private final Map<State, Integer> ids = new HashMap<>();
    private final List<State> states = new ArrayList<>();
    private final List<int[]> moves = new ArrayList<>();
    private final int start = intern(new State("", Mode.START, 0));

    @Override
    public int start() {
        return start;
    }

    @Override
    public synchronized boolean accepting(int state) {
        return states.get(state).mode == Mode.DONE;
    }

    @Override
    public synchronized int step(int state, int b) {
        int[] row = moves.get(state);
        if (row[b] == -2) {
            State next = next(states.get(state), b);
            row[b] = next == null ? DEAD : intern(next);
        }
        return row[b];
    }

    private int intern(State s) {
        Integer id = ids.get(s);
        if (id != null) return id;
        ids.put(s, states.size());
        states.add(s);
        int[] row = new int[256];
        java.util.Arrays.fill(row, -2);
        moves.add(row);
        return states.size() - 1;
    }

    private static State next(State s, int b) {
        String st = s.stack;
        return switch (s.mode) {
            case START -> b == '{' ? new State("{", Mode.OBJ_OPEN, 0) : null;
            case OBJ_OPEN -> b == '"' ? new State(st, Mode.STRING, 1) : b == '}' ? close(st, '{') : null;
            case KEY_SP -> b == ' ' ? new State(st, Mode.KEY, 0) : next(new State(st, Mode.KEY, 0), b);
            case KEY -> b == '"' ? new State(st, Mode.STRING, 1) : null;
            case COLON -> b == ':' ? new State(st, Mode.VALUE_SP, 0) : null;
            case VALUE_SP -> b == ' ' ? new State(st, Mode.VALUE, 0) : value(st, b);
            case VALUE -> value(st, b);
            case ARR_OPEN -> b == ']' ? close(st, '[') : value(st, b);
            case AFTER -> after(st, b);
            case DONE -> null;
            case STRING -> string(st, s.aux, b);
            case ESCAPE -> {
                if ("\"\\/bfnrt".indexOf(b) >= 0) yield new State(st, Mode.STRING, s.aux);
                yield b == 'u' ? new State(st, Mode.HEX, s.aux + 2 * 4) : null;
            }
            case HEX -> {
                if (!isHex(b)) yield null;
                int left = s.aux / 2 - 1;
                yield new State(st, left == 0 ? Mode.STRING : Mode.HEX, (s.aux & 1) + 2 * left);
            }
            case UTF8 -> {
                if (b < 0x80 || b > 0xBF) yield null;
                int left = s.aux / 2 - 1;
                yield new State(st, left == 0 ? Mode.STRING : Mode.UTF8, (s.aux & 1) + 2 * left);
            }
            case N_MINUS -> b == '0' ? new State(st, Mode.N_ZERO, 0) : digit19(b) ? new State(st, Mode.N_INT, 0) : null;
            case N_ZERO -> b == '.' ? new State(st, Mode.N_DOT, 0) : exp(b) ? new State(st, Mode.N_E, 0) : after(st, b);
            case N_INT -> isDigit(b) ? s : b == '.' ? new State(st, Mode.N_DOT, 0)
                    : exp(b) ? new State(st, Mode.N_E, 0) : after(st, b);
            case N_DOT -> isDigit(b) ? new State(st, Mode.N_FRAC, 0) : null;
            case N_FRAC -> isDigit(b) ? s : exp(b) ? new State(st, Mode.N_E, 0) : after(st, b);
            case N_E -> b == '+' || b == '-' ? new State(st, Mode.N_ESIGN, 0)
                    : isDigit(b) ? new State(st, Mode.N_EXP, 0) : null;
            case N_ESIGN -> isDigit(b) ? new State(st, Mode.N_EXP, 0) : null;
            case N_EXP -> isDigit(b) ? s : after(st, b);
            case LITERAL -> {
                String rest = LITERALS[s.aux];
                if (b != rest.charAt(0)) yield null;
                yield rest.length() == 1 ? new State(st, Mode.AFTER, 0) : new State(st, Mode.LITERAL, s.aux + 1);
            }
        };
    }

    /** A value's first byte. */
    private static State value(String st, int b) {
        return switch (b) {
            case '{' -> st.length() < MAX_DEPTH ? new State(st + "{", Mode.OBJ_OPEN, 0) : null;
            case '[' -> st.length() < MAX_DEPTH ? new State(st + "[", Mode.ARR_OPEN, 0) : null;
            case '"' -> new State(st, Mode.STRING, 0);
            case '-' -> new State(st, Mode.N_MINUS, 0);
            case '0' -> new State(st, Mode.N_ZERO, 0);
            case 't' -> new State(st, Mode.LITERAL, 0);
            case 'f' -> new State(st, Mode.LITERAL, 3);
            case 'n' -> new State(st, Mode.LITERAL, 7);
            default -> digit19(b) ? new State(st, Mode.N_INT, 0) : null;
        };
    }

    /** After a value inside a container: a comma or the container's close. */
    private static State after(String st, int b) {
        char top = st.charAt(st.length() - 1);
        if (b == ',') return new State(st, top == '{' ? Mode.KEY_SP : Mode.VALUE_SP, 0);
        if (b == '}' && top == '{' || b == ']' && top == '[') return close(st, top);
        return null;
    }

    private static State close(String st, char open) {
        if (st.charAt(st.length() - 1) != open) return null;
        String rest = st.substring(0, st.length() - 1);
        return new State(rest, rest.isEmpty() ? Mode.DONE : Mode.AFTER, 0);
    }

    private static State string(String st, int aux, int b) {
        boolean key = (aux & 1) == 1;
        if (b == '"') return new State(st, key ? Mode.COLON : Mode.AFTER, 0);
        if (b == '\\') return new State(st, Mode.ESCAPE, aux & 1);
        if (b < 0x20 || b >= 0x80 && b < 0xC2 || b > 0xF4) return null;
        if (b < 0x80) return new State(st, Mode.STRING, aux & 1);
        int more = b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
        return new State(st, Mode.UTF8, (aux & 1) + 2 * more);
    }

    private static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }

    private static boolean digit19(int b) {
        return b >= '1' && b <= '9';
    }

    private static boolean exp(int b) {
        return b == 'e' || b == 'E';
    }

    private static boolean isHex(int b) {
        return isDigit(b) || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F';
    }
}
