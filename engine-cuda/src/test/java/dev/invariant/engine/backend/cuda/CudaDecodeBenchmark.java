package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.model.ConsoleProgress;
import dev.invariant.engine.model.LayerWeights;
import dev.invariant.engine.model.LoadOptions;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelLoader;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.sample.GreedyChoice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import jcuda.driver.CUdeviceptr;

/**
 * Decode and prefill throughput of the CUDA backend in one or more numerics profiles (portable by default; the model
 * is loaded once and a backend opened for each profile in turn), with the roofline measured in the same run:
 * a batch-1 decode step must read every weight once, so tok/s ≤ copy bandwidth ÷ weight bytes (GPTQ: the packed
 * bytes of the checkpoint).
 * <pre>
 *   CudaDecodeBenchmark MODEL [--batches 1,16,64] [--steps 64] [--prompt 32] [--prefill 700,2767] [--eager]
 *                             [--profile portable,fast,naive] [--greedy-on-backend true,false]
 *                             [--variants PROPERTY=V1,V2]
 * </pre>
 * {@code --variants} opens a backend per value of the system property (e.g.
 * {@code invariant.cuda.attention-smem=limit,step}) on the one loaded model, each profile in turn: an A/B in one
 * run, without generating or reading the weights twice.
 * Decode tok/s = batch × steps ÷ wall time of the steps, each step's greedy tokens chosen as the engine chooses them
 * for greedy requests and fed to the next step as the engine feeds them; with the choice on the GPU, timed with
 * decode steps launched ahead ("gpu, ahead": {@link Lookahead}, the default) and without ("gpu"): {@code --greedy-on-backend true} (default) takes each row's greedy choice from the GPU
 * (kernels/greedy_scan.cu, 12 bytes copied per row), {@code false} copies every logits row to the host and scans it
 * there (GreedyChoice.of: what Sampler does); both in the same model load when both are given. Per step, "wait" is
 * the host's time blocked on the device (the stream's synchronize) and "host" the rest of the step.
 * "graph alone" replays the step's graph back to back with no host work between (the device's share of a step);
 * a second run of the same steps then prints where a step's time goes (StepTimeline: host and device parts).
 * {@code --eager} also times batch 1 with kernels launched one by one instead of a replayed CUDA graph.
 */
public final class CudaDecodeBenchmark {
    /** Untimed steps first: the JIT compiles the host path in them. */
    private static final int WARM_STEPS = 16;
    private CudaDecodeBenchmark() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.out.println("usage: CudaDecodeBenchmark MODEL [--batches 1,16,64] [--steps 64] [--prompt 32]"
                    + " [--prefill 700,2767] [--eager] [--profile portable,fast,naive] [--greedy-on-backend true,false]"
                    + " [--variants PROPERTY=V1,V2]");
            return;
        }
        String spec = args[0];
        int[] batches = {1, 16, 64};
        int[] prefills = {700, 2767};
        int steps = 64;
        int prompt = 32;
        boolean eager = false;
        List<NumericsProfile> profiles = List.of(NumericsProfile.PORTABLE);
        boolean[] greedyModes = {true};
        String variantKey = null;
        List<String> variantValues = Arrays.asList((String) null);
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--batches" -> batches = ints(args[++i]);
                case "--prefill" -> prefills = ints(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--prompt" -> prompt = Integer.parseInt(args[++i]);
                case "--eager" -> eager = true;
                case "--profile" -> profiles = Arrays.stream(args[++i].split(",")).map(NumericsProfile::fromWire).toList();
                case "--greedy-on-backend" -> greedyModes = booleans(args[++i]);
                case "--variants" -> {
                    String[] kv = args[++i].split("=", 2);
                    if (kv.length != 2 || kv[1].isEmpty()) {
                        throw new IllegalArgumentException("--variants takes PROPERTY=V1,V2; got " + args[i]);
                    }
                    variantKey = kv[0];
                    variantValues = List.of(kv[1].split(","));
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Model m = ModelLoader.load(spec, LoadOptions.fromEnv().withProgress(new ConsoleProgress(System.err)));
        long weightBytes = weightBytes(m);
        int maxBatch = Arrays.stream(batches).max().orElse(1);
        int maxPrefill = Arrays.stream(prefills).max().orElse(0);
        int block = 16;
        // decode sequences own perSeq blocks each (the prompt, the warm-up and timed steps, the steps launched ahead);
        // a prefill reuses the first blocks (its values are not read back)
        int perSeq = (prompt + WARM_STEPS + steps + 8 + block - 1) / block;
        int kvTokens = Math.max(maxBatch * perSeq * block, (maxPrefill + block - 1) / block * block);
        EngineConfig base = EngineConfig.defaults(spec).withBackend("cuda")
                .withBatching(maxBatch, Math.max(Math.max(maxPrefill, maxBatch * prompt), maxBatch), 4096)
                .withKvCache(block, kvTokens, false);
        List<String> rows = new ArrayList<>();
        // every profile with every value of the property varied: a backend each, on the one loaded model
        record Run(NumericsProfile profile, String variant) {
        }
        List<Run> runs = new ArrayList<>();
        for (NumericsProfile p : profiles) for (String v : variantValues) runs.add(new Run(p, v));
        for (Run run : runs) {
            EngineConfig config = base.withProfile(run.profile());
            String name = spec + " | " + run.profile().wireName();
            if (variantKey != null) {
                System.setProperty(variantKey, run.variant());
                name += ", " + variantKey.replaceFirst("^invariant\\.cuda\\.", "") + "=" + run.variant();
            }
            for (boolean graphs : eager ? new boolean[] {true, false} : new boolean[] {true}) {
                System.setProperty("invariant.cuda.graphs", Boolean.toString(graphs));
                try (CudaBackend be = CudaBackend.open(m, config, new ConsoleProgress(System.err))) {
                    double copy = copyBandwidth(be);
                    double roofline = copy / weightBytes;
                    for (int b : graphs ? batches : new int[] {1}) {
                        String alone = "";
                        for (boolean onGpu : greedyModes) {
                            // greedy on the GPU: with decode steps launched ahead (the default) and without
                            for (boolean ahead : onGpu && graphs ? new boolean[] {true, false} : new boolean[] {false}) {
                                be.lookahead(ahead);
                                long[] before = be.lookahead();
                                Decode d = decode(be, m, b, prompt, steps, perSeq, block, onGpu);
                                long[] after = be.lookahead();
                                if (ahead) {
                                    System.err.println("batch " + b + " launched ahead: " + (after[0] - before[0])
                                            + " steps read, " + (after[1] - before[1]) + " discarded");
                                }
                                if (graphs && !ahead && alone.isEmpty()) {
                                    alone = String.format(Locale.ROOT, "%.1f", b * 1e6 / be.replayMicros(b, steps));
                                    be.startTimeline();
                                    decode(be, m, b, prompt, steps, perSeq, block, onGpu);
                                    System.err.println("batch " + b + " step timeline: " + be.stopTimeline());
                                    be.startProfile();
                                    decode(be, m, b, prompt, 8, perSeq, block, onGpu);
                                    System.err.println("batch " + b + " (decode steps and one prefill of " + prompt
                                            + " tokens per sequence), " + be.stopProfile());
                                }
                                rows.add(String.format(Locale.ROOT,
                                        "| %s | decode%s | %d | %s | %s | %.1f | %.1f %% | %s | %.1f | %.1f | %.1f | %.0f GB/s |",
                                        name, prompt == 32 ? "" : " after " + prompt, b, graphs ? "graph" : "eager",
                                        onGpu ? (ahead ? "gpu, ahead" : "gpu") : "host", d.tps,
                                        100 * d.tps / (roofline * b), alone, d.stepMicros, d.waitMicros,
                                        d.stepMicros - d.waitMicros, copy / 1e9));
                            }
                        }
                    }
                    if (graphs) {
                        for (int p : prefills) {
                            double tps = prefill(be, m, p);
                            rows.add(String.format(Locale.ROOT, "| %s | prefill %d tokens | 1 | eager | | %.1f | | | | | | |",
                                    name, p, tps));
                        }
                    }
                    System.err.println(be.describe() + "; weights " + weightBytes + " bytes; roofline "
                            + String.format(Locale.ROOT, "%.1f", roofline) + " tok/s at batch 1");
                }
            }
        }
        System.out.println("| model | profile | phase | batch | launch | greedy | tok/s | of roofline × batch"
                + " | graph alone tok/s | step µs | wait µs | host µs | copy |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    /**
     * Bytes a decode step reads at least: every tensor once as the checkpoint stores it (a tied head counted once;
     * GPTQ projections packed: qweight, qzeros, scales, g_idx); of a mixture of experts only the experts one token
     * chooses (k of E per sparse layer), what a batch-1 step needs.
     */
    static long weightBytes(Model m) {
        Tensor embed = m.weights().embedTokens();
        long n = embed.byteSize() + m.weights().norm().byteSize();
        if (m.weights().lmHead() != embed) n += m.weights().lmHead().byteSize();
        for (LayerWeights l : m.weights().layers()) {
            n += l.byteSize();
            if (l.moe() == null) continue;
            var e = l.moe().experts().getFirst();
            long expert = e.byteSize();
            n -= expert * (l.moe().experts().size() - m.config().moe().expertsPerToken());
        }
        return n;
    }

    /** Decode throughput, and per step its wall time and the part of it the host spent waiting for the device. */
    private record Decode(double tps, double stepMicros, double waitMicros) {
    }

    /** Keeps the host scans of the rows from being optimised away. */
    static volatile int sink;

    private static Decode decode(CudaBackend be, Model m, int batch, int prompt, int steps, int perSeq, int block,
                                 boolean greedyOnGpu) {
        SplittableRandom rnd = new SplittableRandom(batch);
        int vocab = m.config().vocabSize();
        List<SeqChunk> first = new ArrayList<>();
        List<int[]> tables = new ArrayList<>();
        for (int s = 0; s < batch; s++) {
            int[] table = new int[perSeq];
            for (int i = 0; i < perSeq; i++) table[i] = s * perSeq + i;
            tables.add(table);
            first.add(new SeqChunk(s, rnd.ints(prompt, 0, vocab).toArray(), 0, table, true));
        }
        be.forward(first);
        boolean[] greedy = new boolean[batch];
        Arrays.fill(greedy, true);
        int[] next = rnd.ints(batch, 0, vocab).toArray();  // then each sequence's greedy choice, as the engine feeds it
        int warm = WARM_STEPS;
        long t0 = 0;
        long w0 = 0;
        int tokens = 0;
        for (int i = 0; i < warm + steps; i++) {
            if (i == warm) {
                t0 = System.nanoTime();
                w0 = be.waitNanos();
            }
            List<SeqChunk> step = new ArrayList<>();
            for (int s = 0; s < batch; s++) {
                step.add(new SeqChunk(s, new int[] {next[s]}, prompt + i, tables.get(s), true));
            }
            if (greedyOnGpu) {
                GreedyChoice[] chosen = be.forward(step, greedy).greedy();
                for (int s = 0; s < batch; s++) next[s] = chosen[s].token();
            } else {
                float[][] rows = be.forward(step);
                for (int s = 0; s < batch; s++) next[s] = GreedyChoice.of(rows[s]).token();
            }
            for (int t : next) tokens += t;
        }
        double wall = System.nanoTime() - t0;
        sink = tokens;
        return new Decode(batch * steps / (wall / 1e9), wall / 1e3 / steps, (be.waitNanos() - w0) / 1e3 / steps);
    }

    private static double prefill(CudaBackend be, Model m, int tokens) {
        SplittableRandom rnd = new SplittableRandom(tokens);
        int[] table = new int[(tokens + 15) / 16];
        for (int i = 0; i < table.length; i++) table[i] = i;
        int[] ids = rnd.ints(tokens, 0, m.config().vocabSize()).toArray();
        be.forward(List.of(new SeqChunk(1, ids, 0, table, true)));  // warm-up
        long t0 = System.nanoTime();
        int reps = 3;
        for (int r = 0; r < reps; r++) be.forward(List.of(new SeqChunk(1, ids, 0, table, true)));
        return (double) tokens * reps / ((System.nanoTime() - t0) / 1e9);
    }

    /** Device-to-device copy of 2 GiB, bytes read + written per second (as the anchors count it). */
    static double copyBandwidth(CudaBackend be) {
        CudaContext ctx = be.context();
        long bytes = 1L << 31;
        CUdeviceptr a = ctx.alloc(bytes);
        CUdeviceptr b = ctx.alloc(bytes);
        for (int i = 0; i < 3; i++) cuMemcpyDtoDAsync(b, a, bytes, ctx.stream);
        ctx.synchronize();
        int reps = 20;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) cuMemcpyDtoDAsync(b, a, bytes, ctx.stream);
        ctx.synchronize();
        double s = (System.nanoTime() - t0) / 1e9;
        ctx.free(a);
        ctx.free(b);
        return 2.0 * bytes * reps / s;
    }

    private static boolean[] booleans(String csv) {
        String[] v = csv.split(",");
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            if (!v[i].equals("true") && !v[i].equals("false")) {
                throw new IllegalArgumentException("--greedy-on-backend takes true, false or true,false; got " + csv);
            }
            out[i] = Boolean.parseBoolean(v[i]);
        }
        return out;
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
