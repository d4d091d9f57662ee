package dev.invariant.engine;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import java.util.Arrays;
import java.util.List;

/**
 * One request's way through an idle engine as the worker drives it ({@link Engine#submitAllAndStep}, one token of
 * "Once upon a time"), back to back and with a pause between requests, as at 20 requests/s: the pause lets other
 * processes take the caches, and the same code then runs several times slower (docs/benchmarks.md, 2026-12-03).
 * Prints p50 ms of the tokenizer (the first code the pause left cold), of {@code prepare} right after it (its
 * tokenizer call now warm: mostly validation and the fingerprint), and the engine's own queue and prefill times
 * (the submission's {@code prepare} warm by then). Run: java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp
 * engine/target/classes:engine/target/test-classes:DEPS dev.invariant.engine.RequestPathBenchmark [model folder]
 * [requests] [pause ...]. A pause is {@code N} (sleep N ms), {@code spinN} (spin N ms on the same core: is it the
 * core's idle state?) or {@code preN} (sleep 50 − N ms, run the whole path once, sleep N ms: how long warmth lasts).
 */
public final class RequestPathBenchmark {
    private static final String PROMPT = "Once upon a time";

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : TestAssets.model("stories260K").toString();
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        String[] pauses = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[] {"0", "50"};
        try (Engine engine = Engine.open(EngineConfig.defaults(model).withThreads(1))) {
            run(engine, 3000, "0"); // the JIT's warm-up
            for (String pause : pauses) {
                double[] p = run(engine, n, pause);
                System.out.printf("pause %6s: encode %.3f  prepare %.3f  queue %.3f  prefill %.3f  (p50 ms, %d requests)%n",
                        pause, p[0], p[1], p[2], p[3], n);
            }
        }
    }

    private static void pause(Engine engine, String pause) throws Exception {
        if (pause.startsWith("spin")) {
            long end = System.nanoTime() + Long.parseLong(pause.substring(4)) * 1_000_000L;
            while (System.nanoTime() < end) Thread.onSpinWait();
        } else if (pause.startsWith("pre")) {
            long before = Long.parseLong(pause.substring(3));
            Thread.sleep(50 - before);
            engine.submitAllAndStep(List.of(new Engine.Submitted(request("path-warm"), TokenListener.NONE))).getFirst().get();
            Thread.sleep(before);
        } else {
            long ms = Long.parseLong(pause);
            if (ms > 0) Thread.sleep(ms);
        }
    }

    private static Request request(String id) {
        return new Request(id, Prompt.text(PROMPT), SamplingParams.builder().maxTokens(1).temperature(0f).ignoreEos(true).build());
    }

    private static double[] run(Engine engine, int n, String pause) throws Exception {
        double[][] t = new double[4][n];
        for (int i = 0; i < n; i++) {
            pause(engine, pause);
            long t0 = System.nanoTime();
            engine.tokenizer().encode(PROMPT);
            long t1 = System.nanoTime();
            // A fresh request each time, as from the wire; prepare() runs again inside the submission.
            Request r = request("path-" + i);
            long t2 = System.nanoTime();
            engine.core().prepare(r);
            long t3 = System.nanoTime();
            GenerationResult g = engine.submitAllAndStep(List.of(new Engine.Submitted(r, TokenListener.NONE)))
                    .getFirst().get();
            if (!g.ok()) throw new IllegalStateException(g.error().describe());
            t[0][i] = (t1 - t0) / 1e6;
            t[1][i] = (t3 - t2) / 1e6;
            t[2][i] = g.timings().queueMs();
            t[3][i] = g.timings().prefillMs();
        }
        return Arrays.stream(t).mapToDouble(RequestPathBenchmark::median).toArray();
    }

    private static double median(double[] x) {
        double[] c = x.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
