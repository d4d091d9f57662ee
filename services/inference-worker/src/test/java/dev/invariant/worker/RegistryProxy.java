package dev.invariant.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay in front of the real registry that the test can cut: while cut, open connections are
 * closed and new ones are refused at once, as when the registry's host goes away. Nothing is faked: requests that
 * pass reach the real registry.
 */
final class RegistryProxy implements AutoCloseable {
    private final ServerSocket server;
    private final URI target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean cut;

    RegistryProxy(String ccompatUrl) {
        this.target = URI.create(ccompatUrl);
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofPlatform().daemon().name("registry-proxy").start(this::accept);
    }

    /** The registry's URL through this relay. */
    String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + target.getPath();
    }

    void cut() {
        cut = true;
        for (Socket s : open) close(s);
        open.clear();
    }

    void restore() {
        cut = false;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (cut) {
                    close(client);
                    continue;
                }
                Socket upstream = new Socket(target.getHost(), target.getPort());
                open.add(client);
                open.add(upstream);
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                // closed, or the registry refused: the client sees its connection drop
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread.ofPlatform().daemon().name("registry-proxy-pipe").start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // one side closed
            } finally {
                close(from);
                close(to);
            }
        });
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
