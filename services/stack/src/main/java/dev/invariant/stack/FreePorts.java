package dev.invariant.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;

/** Picks loopback ports. The broker needs its ports before it binds (they go into its advertised listeners). */
final class FreePorts {
    private FreePorts() {
    }

    /**
     * One port for each entry: the entry itself, or for 0 a port that was free a moment ago. The free ones are all
     * held open while picking, so that they differ from each other.
     */
    static int[] pick(int... wanted) {
        var held = new ArrayList<ServerSocket>();
        try {
            int[] ports = new int[wanted.length];
            for (int i = 0; i < wanted.length; i++) {
                if (wanted[i] != 0) {
                    ports[i] = wanted[i];
                    continue;
                }
                var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new StackException("could not find a free loopback port: " + e.getMessage(), e);
        } finally {
            for (var socket : held) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // Closing a listening socket that accepted nothing: nothing to do about a failure.
                }
            }
        }
    }
}
