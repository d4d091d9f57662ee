package dev.invariant.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The comparison: every (dtype, batch, engine) configuration is measured {@code --rounds} times, rounds
 * interleaved so that load from other work on the machine spreads over all configurations alike; each
 * measurement runs in a fresh JVM. The bandwidth probe runs before and after. Prints the raw results and a
 * Markdown summary (best, spread, ratios, fraction of the roofline).
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode tokens/s of our engine (portable, naive) and Jlama on the same exported synthetic model.")
final class DecodeCommand implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "qwen2.5-0.5b", description = "synthetic preset (default ${DEFAULT-VALUE})")
    String preset;
    @Option(names = "--dtypes", split = ",", defaultValue = "bf16,f32", description = "weight dtypes (default ${DEFAULT-VALUE})")
    List<String> dtypes;
    @Option(names = "--batches", split = ",", defaultValue = "1,16", description = "concurrent sequences (default ${DEFAULT-VALUE})")
    List<Integer> batches;
    @Option(names = "--engines", split = ",", defaultValue = "invariant-portable,invariant-naive,jlama",
            description = "engines to measure (default ${DEFAULT-VALUE})")
    List<String> engines;
    @Option(names = "--threads", defaultValue = "2", description = "compute threads for every engine (default ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--rounds", defaultValue = "2", description = "measurements per configuration, interleaved (default ${DEFAULT-VALUE})")
    int rounds;
    @Option(names = "--decode-tokens", defaultValue = "12", description = "tokens each sequence generates (default ${DEFAULT-VALUE})")
    int decodeTokens;
    @Option(names = "--models-dir", defaultValue = "bench/target/models",
            description = "where synthetic models are exported (default ${DEFAULT-VALUE})")
    Path modelsDir;
    @Option(names = "--tokenizer-dir", defaultValue = "../shared/models/qwen2-tokenizer",
            description = "folder with the preset's tokenizer.json and tokenizer_config.json (default ${DEFAULT-VALUE})")
    Path tokenizerDir;
    @Option(names = "--heap", defaultValue = "2g", description = "heap of each measuring JVM (default ${DEFAULT-VALUE})")
    String heap;
    @Option(names = "--bandwidth-mb", defaultValue = "1024", description = "buffer of the bandwidth probe in MiB (default ${DEFAULT-VALUE})")
    int bandwidthMb;

    @Override
    public Integer call() throws Exception {
        List<Report.Model> models = new ArrayList<>();
        for (String dtype : dtypes) {
            Path folder = ModelFolder.prepare(preset, dtype, modelsDir, tokenizerDir);
            models.add(new Report.Model(dtype, folder, ModelFolder.decodeStepBytes(folder)));
        }
        List<BandwidthProbe.Result> bandwidth = new ArrayList<>();
        List<BandwidthProbe.Result> read = new ArrayList<>();
        bandwidth.add(BandwidthProbe.measure(bandwidthMb * (1L << 20), threads, 8));
        read.add(BandwidthProbe.measureRead(bandwidthMb * (1L << 20), threads, 8));
        List<DecodeResult> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            for (Report.Model m : models) {
                for (int batch : batches) {
                    for (String engine : engines) {
                        List<String> args = List.of("--engine", engine, "--folder", m.folder().toString(),
                                "--dtype", m.dtype(), "--batch", Integer.toString(batch), "--threads", Integer.toString(threads),
                                "--decode-tokens", Integer.toString(decodeTokens));
                        System.err.printf(Locale.ROOT, "round %d/%d: %s %s batch %d ...%n", round, rounds, engine, m.dtype(), batch);
                        try {
                            DecodeResult r = Fork.measure(heap, args);
                            System.out.println(r.toLine());
                            results.add(r);
                        } catch (IllegalStateException e) {
                            // one failed configuration must not lose the others; the report shows it missing
                            System.out.println("FAILED " + String.join(" ", args) + ": " + e.getMessage());
                        }
                        System.out.flush();
                    }
                }
            }
        }
        bandwidth.add(BandwidthProbe.measure(bandwidthMb * (1L << 20), threads, 8));
        read.add(BandwidthProbe.measureRead(bandwidthMb * (1L << 20), threads, 8));
        System.out.println();
        System.out.print(new Report(preset, threads, models, bandwidth, read, results).markdown());
        return 0;
    }
}
