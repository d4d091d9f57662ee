package dev.invariant.cli;

import dev.invariant.engine.api.GenerationResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * The distinct outputs of a replay's runs (by output hash; most frequent first, then first seen) and where they
 * first differ: every pair when there are at most {@value #ALL_PAIRS} outputs, else each against the most frequent.
 */
record ReplayReport(List<Output> outputs, int runs, TreeSet<Integer> batchSizes, IntFunction<String> tokenText) {
    static final int ALL_PAIRS = 6;

    /** One distinct output: its result and the runs (1-based) that produced it. */
    record Output(GenerationResult result, List<Integer> runs) {
    }

    static ReplayReport of(List<GenerationResult> results, IntFunction<String> tokenText) {
        Map<String, Output> byHash = new LinkedHashMap<>();
        TreeSet<Integer> sizes = new TreeSet<>();
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            byHash.computeIfAbsent(r.outputHash(), h -> new Output(r, new ArrayList<>())).runs().add(i + 1);
            sizes.addAll(r.batchSizes());
        }
        List<Output> outputs = new ArrayList<>(byHash.values());
        outputs.sort(java.util.Comparator.comparingInt((Output o) -> -o.runs().size())); // stable: first seen on ties
        return new ReplayReport(List.copyOf(outputs), results.size(), sizes, tokenText);
    }

    int distinct() {
        return outputs.size();
    }

    /** The first position where two token sequences differ (the shorter length when one is a prefix). */
    static int firstDifference(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) if (a[i] != b[i]) return i;
        return n;
    }

    void print(PrintStream out, String profile) {
        out.printf("%s: %d distinct output%s in %d runs (batch sizes seen by the prompt: %s)%n", profile, distinct(),
                distinct() == 1 ? "" : "s", runs, batchSizes.isEmpty() ? "-" : batchSizes.first() + ".." + batchSizes.last());
        for (Output o : outputs) {
            GenerationResult r = o.result();
            out.printf("  %s  %d run%s (%s)  %d tokens, finish %s%n", r.outputHash().substring(0, 16), o.runs().size(),
                    o.runs().size() == 1 ? "" : "s", ranges(o.runs()), r.tokenIds().length, r.finishReason().wireName());
        }
        int firsts = outputs.size() <= ALL_PAIRS ? outputs.size() : 1;
        if (firsts == 1 && outputs.size() > 1) {
            out.printf("  (%d outputs: each against the most frequent one)%n", outputs.size());
        }
        for (int i = 0; i < firsts; i++) {
            for (int j = i + 1; j < outputs.size(); j++) {
                int[] a = outputs.get(i).result().tokenIds();
                int[] b = outputs.get(j).result().tokenIds();
                int at = firstDifference(a, b);
                out.printf("  %s vs %s: first difference at token %d: %s vs %s%n",
                        outputs.get(i).result().outputHash().substring(0, 16),
                        outputs.get(j).result().outputHash().substring(0, 16), at, token(a, at), token(b, at));
            }
        }
    }

    /** Ascending run numbers as ranges: 1-3, 5, 7-9. */
    static String ranges(List<Integer> runs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < runs.size(); i++) {
            int start = runs.get(i);
            while (i + 1 < runs.size() && runs.get(i + 1) == runs.get(i) + 1) i++;
            if (!b.isEmpty()) b.append(", ");
            b.append(start == runs.get(i) ? String.valueOf(start) : start + "-" + runs.get(i));
        }
        return b.toString();
    }

    private String token(int[] ids, int at) {
        if (at >= ids.length) return "(end)";
        return ids[at] + " " + com.fasterxml.jackson.databind.node.TextNode.valueOf(tokenText.apply(ids[at])).toString();
    }
}
