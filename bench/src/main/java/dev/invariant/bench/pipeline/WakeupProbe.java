package dev.invariant.bench.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Locale;

/**
 * The machine's floor under every Kafka hop: one byte sent over loopback TCP to a thread of this JVM and echoed
 * back, after the threads sat idle for a while. It is two thread wake-ups and nothing else; a broker hop needs
 * several (producer sender, broker network and request threads, consumer), so where this is slow, so is Kafka.
 */
final class WakeupProbe {
    private WakeupProbe() {
    }

    /** {@code n} round trips, one every {@code gapMs}; returns the round-trip times in ns. */
    static long[] measure(int n, long gapMs) throws IOException, InterruptedException {
        long[] rtt = new long[n];
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = Thread.ofPlatform().name("wakeup-echo").daemon().start(() -> echo(server));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < n; i++) {
                    Thread.sleep(gapMs);
                    long t0 = System.nanoTime();
                    out.write(1);
                    out.flush();
                    if (in.read() < 0) throw new IOException("echo thread closed the socket");
                    rtt[i] = System.nanoTime() - t0;
                }
            }
            echo.join(1000);
        }
        return rtt;
    }

    private static void echo(ServerSocket server) {
        try (Socket s = server.accept()) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                out.write(b);
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String summary(long[] rtt) {
        long[] s = rtt.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "p50 %.0f us, p90 %.0f us", s[(int) Math.ceil(0.5 * s.length) - 1] / 1e3,
                s[(int) Math.ceil(0.9 * s.length) - 1] / 1e3);
    }
}
