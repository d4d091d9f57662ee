package dev.invariant.bench;

import dev.invariant.engine.NumericsProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The benchmark programs: {@code decode} (the comparison), {@code bandwidth} (the probe), {@code measure} (one run). */
@Command(name = "invariant-bench", mixinStandardHelpOptions = true,
        subcommands = {DecodeCommand.class, BenchMain.Bandwidth.class, BenchMain.Measure.class},
        description = "CPU decode benchmarks: our engine (portable and naive numerics) against Jlama on the same"
                + " safetensors weights, and against the memory-bandwidth roofline.")
public final class BenchMain implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The same prompt shape for every engine; the index keeps prompts distinct. */
    static List<String> prompts(int batch) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            out.add("Request " + (char) ('A' + i % 26) + ": the quick");
        }
        return out;
    }

    @Command(name = "bandwidth", mixinStandardHelpOptions = true,
            description = "Measures MemorySegment.copy bandwidth (bytes copied per second) and vector read bandwidth with N threads.")
    static final class Bandwidth implements Callable<Integer> {
        @Option(names = "--mb", defaultValue = "1024", description = "buffer size in MiB (default ${DEFAULT-VALUE})")
        int mb;
        @Option(names = "--threads", defaultValue = "2", description = "copying threads (default ${DEFAULT-VALUE})")
        int threads;
        @Option(names = "--passes", defaultValue = "8", description = "passes; the best is reported (default ${DEFAULT-VALUE})")
        int passes;

        @Override
        public Integer call() throws Exception {
            BandwidthProbe.Result r = BandwidthProbe.measure(mb * (1L << 20), threads, passes);
            System.out.printf(Locale.ROOT, "MemorySegment.copy, %d MiB, %d threads: best %.2f GB/s; passes:", mb, threads,
                    r.bytesPerSecond() / 1e9);
            for (double p : r.passes()) System.out.printf(Locale.ROOT, " %.2f", p / 1e9);
            System.out.println();
            BandwidthProbe.Result read = BandwidthProbe.measureRead(mb * (1L << 20), threads, passes);
            System.out.printf(Locale.ROOT, "MemorySegment vector read, %d MiB, %d threads: best %.2f GB/s; passes:", mb, threads,
                    read.bytesPerSecond() / 1e9);
            for (double p : read.passes()) System.out.printf(Locale.ROOT, " %.2f", p / 1e9);
            System.out.println();
            return 0;
        }
    }

    @Command(name = "measure", mixinStandardHelpOptions = true,
            description = "One decode measurement in this JVM; prints one DECODE-RESULT line (the decode command forks these).")
    static final class Measure implements Callable<Integer> {
        @Option(names = "--engine", required = true, description = "invariant-portable, invariant-naive or jlama")
        String engine;
        @Option(names = "--folder", required = true, description = "Hugging Face model folder")
        Path folder;
        @Option(names = "--dtype", required = true, description = "label of the weights' dtype, for the report")
        String dtype;
        @Option(names = "--batch", defaultValue = "1", description = "concurrent sequences (default ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--threads", defaultValue = "2", description = "compute threads (default ${DEFAULT-VALUE})")
        int threads;
        @Option(names = "--decode-tokens", defaultValue = "32", description = "tokens each sequence generates (default ${DEFAULT-VALUE})")
        int decodeTokens;

        @Override
        public Integer call() throws Exception {
            List<String> prompts = prompts(batch);
            DecodeResult r = switch (engine) {
                case "jlama" -> JlamaRunner.run(folder, dtype, batch, threads, prompts, decodeTokens);
                case "invariant-portable" -> InvariantRunner.run(folder, NumericsProfile.PORTABLE, dtype, batch, threads,
                        prompts, decodeTokens);
                case "invariant-naive" -> InvariantRunner.run(folder, NumericsProfile.NAIVE, dtype, batch, threads,
                        prompts, decodeTokens);
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "unknown engine '" + engine + "': use invariant-portable, invariant-naive or jlama");
            };
            System.out.println(r.toLine());
            return 0;
        }
    }
}
