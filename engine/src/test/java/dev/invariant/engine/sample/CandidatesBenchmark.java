package dev.invariant.engine.sample;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One sampled token's candidates ({@link Candidates#from}: the order, the softmax, top-p and min-p) over a whole
 * vocabulary of Gaussian logits, as the engine thread pays it for every token of a request with temperature > 0:
 * <pre>
 *   CandidatesBenchmark [--vocab 151936] [--sigma 3] [--top-k 0] [--top-p 1] [--reps 50]
 * </pre>
 * Prints milliseconds per call (the last of 5 rounds; the first warm the JIT) and the candidates kept.
 */
public final class CandidatesBenchmark {
    private CandidatesBenchmark() {}

    public static void main(String[] args) {
        int vocab = 151_936;
        double sigma = 3;
        int topK = 0;
        float topP = 1f;
        int reps = 50;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--vocab" -> vocab = Integer.parseInt(args[++i]);
                case "--sigma" -> sigma = Double.parseDouble(args[++i]);
                case "--top-k" -> topK = Integer.parseInt(args[++i]);
                case "--top-p" -> topP = Float.parseFloat(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> {
                    System.out.println("usage: CandidatesBenchmark [--vocab 151936] [--sigma 3] [--top-k 0] [--top-p 1]"
                            + " [--reps 50]");
                    return;
                }
            }
        }
        SplittableRandom rnd = new SplittableRandom(1);
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) logits[i] = (float) (rnd.nextGaussian() * sigma);
        double ms = 0;
        int kept = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < reps; k++) kept = Candidates.from(logits, topK, topP, 0f).ids().length;
            ms = (System.nanoTime() - t0) / 1e6 / reps;
        }
        System.out.printf(Locale.ROOT, "vocab %d, sigma %.1f, top-k %d, top-p %.2f: %.3f ms per call, %d candidates%n",
                vocab, sigma, topK, topP, ms, kept);
    }
}
