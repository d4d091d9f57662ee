package dev.invariant.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
    private volatile boolean notFound;

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
        notFound = false;
    }

    /**
     * Answers every call with a bare 404 page, as an ingress's default backend does when the registry behind it is
     * gone (or the URL's path is wrong): an answer, but not the registry's.
     */
    void answerNotFound() {
        cut = false;
        notFound = true;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (cut) {
                    close(client);
                    continue;
                }
                if (notFound) {
                    try (client) {
                        byte[] page = "<html><body><h1>404 Not Found</h1></body></html>".getBytes(StandardCharsets.US_ASCII);
                        client.getOutputStream().write(("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
                                + "Content-Length: " + page.length + "\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        client.getOutputStream().write(page);
                    }
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
