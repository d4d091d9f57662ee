package dev.invariant.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One decode measurement: {@code decodeTokens} tokens generated in {@code decodeNanos} while every sequence
 * of the batch was decoding (prefill excluded). It travels from a measuring JVM to the driver as one line.
 *
 * @param engine       "invariant-portable", "invariant-naive" or "jlama"
 * @param firstTokenNanos from the start of generation until every sequence had its first token (prefill)
 */
public record DecodeResult(String engine, String dtype, int batch, int threads, int promptTokens,
                           long decodeTokens, long decodeNanos, long firstTokenNanos) {
    private static final String PREFIX = "DECODE-RESULT ";

    public double tokensPerSecond() {
        return decodeTokens * 1e9 / decodeNanos;
    }

    public String toLine() {
        return PREFIX + String.format(Locale.ROOT, "engine=%s dtype=%s batch=%d threads=%d prompt=%d tokens=%d nanos=%d first=%d",
                engine, dtype, batch, threads, promptTokens, decodeTokens, decodeNanos, firstTokenNanos);
    }

    /** The result in a line of a measuring JVM's output, or null when the line is something else. */
    public static DecodeResult parse(String line) {
        if (!line.startsWith(PREFIX)) return null;
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : line.substring(PREFIX.length()).trim().split(" ")) {
            int eq = part.indexOf('=');
            kv.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return new DecodeResult(kv.get("engine"), kv.get("dtype"), Integer.parseInt(kv.get("batch")),
                Integer.parseInt(kv.get("threads")), Integer.parseInt(kv.get("prompt")), Long.parseLong(kv.get("tokens")),
                Long.parseLong(kv.get("nanos")), Long.parseLong(kv.get("first")));
    }
}
