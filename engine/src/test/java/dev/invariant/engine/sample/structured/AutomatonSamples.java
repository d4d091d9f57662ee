package dev.invariant.engine.sample.structured;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Outputs an automaton accepts, drawn by random walks, as a model under the constraint could write them. */
final class AutomatonSamples {
    private AutomatonSamples() {
    }

    /**
     * One accepted output: each byte uniform among those that keep the walk alive (three- and four-byte UTF-8 leads
     * only when nothing else is, as the automaton lets overlong forms through), stopping at an accepting state with
     * probability {@code 1/3}; a walk longer than {@code limit} bytes starts again.
     */
    static String sample(ByteAutomaton a, Random rnd, int limit) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int state = a.start();
            while (out.size() <= limit) {
                List<Integer> next = new ArrayList<>();
                List<Integer> any = new ArrayList<>();
                for (int b = 0; b < 256; b++) {
                    if (a.step(state, b) == ByteAutomaton.DEAD) continue;
                    any.add(b);
                    if (b < 0xE0) next.add(b);
                }
                if (a.accepting(state) && (any.isEmpty() || rnd.nextInt(3) == 0)) {
                    return out.toString(StandardCharsets.UTF_8);
                }
                if (any.isEmpty()) throw new AssertionError("a live state with no byte to take");
                List<Integer> from = next.isEmpty() ? any : next;
                int b = from.get(rnd.nextInt(from.size()));
                out.write(b);
                state = a.step(state, b);
            }
        }
        throw new AssertionError("no accepted output within " + limit + " bytes");
    }
}
