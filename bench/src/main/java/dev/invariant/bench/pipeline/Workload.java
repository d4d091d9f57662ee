package dev.invariant.bench.pipeline;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests of one trial: distinct short story prompts, greedy, exactly {@code maxTokens} generated each (EOS
 * ignored), so both sides do the same arithmetic. Ids carry the trial's tag so a trial's completions are told apart.
 */
record Workload(int requests, int maxTokens) {
    private static final List<String> OPENINGS = List.of("Once upon a time", "The little girl saw a big red ball",
            "Tom and his mom went to the park", "The cat was very hungry", "One day, a bird flew into the garden",
            "Lily wanted to bake a cake", "The sun was shining and", "Ben found a shiny key under his bed");
    private static final List<String> NAMES = List.of("Sue", "Max", "Anna", "Tim", "Mia", "Sam", "Zoe", "Leo");

    List<Request> build(String tag) {
        SamplingParams p = SamplingParams.builder().maxTokens(maxTokens).ignoreEos(true).build();
        List<Request> out = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) out.add(new Request(tag + "-" + i, Prompt.text(prompt(i)), p));
        return out;
    }

    /** Distinct for the first 8 × 8 × n indices: an opening, a name, and the index itself. */
    static String prompt(int i) {
        return OPENINGS.get(i % OPENINGS.size()) + ", " + NAMES.get(i / OPENINGS.size() % NAMES.size())
                + " counted to " + i + ".";
    }

    /** The request's index from its id (the part after the last '-'). */
    static int index(String requestId) {
        return Integer.parseInt(requestId.substring(requestId.lastIndexOf('-') + 1));
    }
}
