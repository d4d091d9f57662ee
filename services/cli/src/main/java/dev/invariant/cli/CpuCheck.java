package dev.invariant.cli;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The end-to-end backend check ({@code demo --cpu-check}): after the workload, every portable completion on the
 * completions topic is re-executed on this machine's CPU engine ({@link Reverifier}, as {@code verify} does) and
 * counted per backend that made it. On a GPU machine this is the proof that the pipeline's GPU answers are the CPU's
 * bits; it passes only when every request has a completion and every completion's hash is the CPU's.
 */
final class CpuCheck {

    /** Completions of one backend (as completions name it: GPU name and driver included) and their verdicts. */
    record Row(String backend, int completions, int equal, int diverged, int notVerifiable) {
    }

    private final int requests;
    private final int completions;
    private final List<Row> rows;
    private final List<Reverifier.Verdict> divergences;

    CpuCheck(int requests, List<Completion> completions, List<Reverifier.Verdict> verdicts) {
        this.requests = requests;
        this.completions = completions.size();
        Map<String, int[]> by = new TreeMap<>();
        List<Reverifier.Verdict> bad = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            int[] n = by.computeIfAbsent(completions.get(i).getEngine().getBackend(), k -> new int[4]);
            n[0]++;
            Reverifier.Verdict v = verdicts.get(i);
            n[1 + v.status().ordinal()]++;
            if (v.status() != Reverifier.Status.REPRODUCED) bad.add(v);
        }
        List<Row> r = new ArrayList<>();
        by.forEach((backend, n) -> r.add(new Row(backend, n[0], n[1], n[2], n[3])));
        this.rows = List.copyOf(r);
        this.divergences = List.copyOf(bad);
    }

    /** Reads the requests and the portable completions from the topics and re-executes each on the CPU. */
    static CpuCheck run(KafkaOptions kafka, EngineConfig config, PrintStream out) {
        Duration timeout = Duration.ofSeconds(60);
        int[] unreadable = {0};
        Map<String, InferenceRequest> requests = new HashMap<>();
        for (InferenceRequest r : TopicSnapshot.read(kafka, Topics.REQUESTS, InferenceRequest.class, timeout, unreadable)) {
            requests.put(r.getRequestId(), r);
        }
        List<Completion> portable = new ArrayList<>();
        for (Completion c : TopicSnapshot.read(kafka, Topics.COMPLETIONS, Completion.class, timeout, unreadable)) {
            if (NumericsProfile.PORTABLE.wireName().equals(c.getEngine().getNumericsProfile())) portable.add(c);
        }
        EngineConfig cpu = config.withBackend("cpu").withProfile(NumericsProfile.PORTABLE);
        out.printf("  -- re-executing %d portable completion(s) on this machine's CPU engine (%d thread(s))%n",
                portable.size(), cpu.threads());
        var progress = new Progress(System.err, "cpu check");
        var verdicts = new Reverifier(cpu).verify(portable, requests, progress);
        progress.done();
        return new CpuCheck(requests.size(), portable, verdicts);
    }

    List<Row> rows() {
        return rows;
    }

    /** Every request answered once and every answer's output hash reproduced on the CPU. */
    boolean allEqual() {
        return requests > 0 && completions == requests && divergences.isEmpty();
    }

    void print(PrintStream out) {
        int equal = rows.stream().mapToInt(Row::equal).sum();
        int diverged = rows.stream().mapToInt(Row::diverged).sum();
        int unverifiable = rows.stream().mapToInt(Row::notVerifiable).sum();
        out.println();
        out.println("  end-to-end check: every completion re-executed on the CPU");
        out.printf("    requests                         %d%n", requests);
        out.printf("    completions                      %d%n", completions);
        out.println("    backend (GPU, driver) of the completions    completions  = CPU hash  diverged  not verifiable");
        for (Row r : rows) {
            out.printf("    %-43s %11d  %10d  %8d  %14d%n", r.backend(), r.completions(), r.equal(), r.diverged(),
                    r.notVerifiable());
        }
        out.printf("    hashes equal to the CPU's        %d of %d%n", equal, completions);
        out.printf("    divergences                      %d%s%n", diverged,
                unverifiable > 0 ? " (and " + unverifiable + " not verifiable)" : "");
        for (Reverifier.Verdict v : divergences) out.printf("      %s %s: %s%n", v.status(), v.requestId(), v.detail());
        out.println("    result                           " + (allEqual() ? "ALL EQUAL" : "NOT EQUAL"));
        out.println();
    }
}
