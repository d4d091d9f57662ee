package dev.invariant.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Picks loopback ports. The broker needs its ports before it binds (they go into its advertised listeners). */
final class FreePorts {
    private FreePorts() {
    }

    /** {@code wanted} itself, or a port that was free a moment ago when {@code wanted} is 0. */
    static int pick(int wanted) {
        if (wanted != 0) {
            return wanted;
        }
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new StackException("could not find a free loopback port: " + e.getMessage(), e);
        }
    }
}
