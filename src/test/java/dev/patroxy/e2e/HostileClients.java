package dev.patroxy.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Raw-socket clients that misbehave, only ever towards 127.0.0.1, bounded in count, and closed by {@link #close()}.
 * Also builds the first messages a PostgreSQL client may send, well or badly formed.
 */
final class HostileClients implements AutoCloseable {
    static final int PROTOCOL_3 = 196608;
    static final int PROTOCOL_2 = 131072;
    static final int SSL_REQUEST = 80877103;
    static final int GSSENC_REQUEST = 80877104;
    static final int CANCEL_REQUEST = 80877102;
    static final int MAX_CLIENTS = 5000;

    private final List<Socket> sockets = new ArrayList<>();
    private int connectFailures;

    /** Opens {@code count} connections to 127.0.0.1:{@code port}, each sending {@code first} (may be empty). */
    static HostileClients open(int port, int count, byte[] first) {
        if (count > MAX_CLIENTS) {
            throw new IllegalArgumentException("at most " + MAX_CLIENTS + " hostile clients");
        }
        HostileClients clients = new HostileClients();
        int failuresInARow = 0;
        // A listener that stopped accepting fills its backlog and each further connect waits out its timeout.
        for (int i = 0; i < count && failuresInARow < 3; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                if (first.length > 0) {
                    socket.getOutputStream().write(first);
                }
                clients.sockets.add(socket);
                failuresInARow = 0;
            } catch (IOException e) {
                clients.connectFailures++;
                failuresInARow++;
                closeQuietly(socket);
            }
        }
        return clients;
    }

    int size() {
        return sockets.size();
    }

    int connectFailures() {
        return connectFailures;
    }

    /** How many of these connections the other side has not closed yet, waiting up to {@code wait} for it to. */
    int stillOpenAfter(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        List<Socket> open = new ArrayList<>(sockets);
        while (true) {
            open.removeIf(HostileClients::closedByPeer);
            if (open.isEmpty() || System.nanoTime() > deadline) {
                return open.size();
            }
            Thread.sleep(200);
        }
    }

    private static boolean closedByPeer(Socket socket) {
        try {
            socket.setSoTimeout(1);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        sockets.forEach(HostileClients::closeQuietly);
        sockets.clear();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone: nothing to release
        }
    }

    /** What the other side did with one connection that sent {@code bytes}. */
    record Outcome(boolean closed, long closedAfterMillis, int answered, int firstByte) {
    }

    /** Connects, sends {@code bytes} (a write the peer refuses part-way is fine), and reads until end or {@code wait}. */
    static Outcome sendAndAwaitEnd(int port, byte[] bytes, Duration wait) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            long start = System.nanoTime();
            try {
                socket.getOutputStream().write(bytes);
            } catch (IOException e) {
                return new Outcome(true, (System.nanoTime() - start) / 1_000_000, 0, -1);
            }
            InputStream in = socket.getInputStream();
            int answered = 0;
            int first = -1;
            byte[] buffer = new byte[8192];
            long deadline = start + wait.toNanos();
            try {
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        return new Outcome(false, -1, answered, first);
                    }
                    socket.setSoTimeout((int) left);
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    if (first < 0 && n > 0) {
                        first = buffer[0] & 0xff;
                    }
                    answered += n;
                }
            } catch (SocketTimeoutException e) {
                return new Outcome(false, -1, answered, first);
            } catch (IOException e) {
                // a reset is an end too
            }
            return new Outcome(true, (System.nanoTime() - start) / 1_000_000, answered, first);
        }
    }

    static byte[] startup(int protocol, String... parameters) {
        StringBuilder body = new StringBuilder();
        for (String p : parameters) {
            body.append(p).append('\0');
        }
        body.append('\0');
        byte[] text = body.toString().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + text.length).putInt(8 + text.length).putInt(protocol).put(text).array();
    }

    static byte[] request(int code) {
        return ByteBuffer.allocate(8).putInt(8).putInt(code).array();
    }

    static byte[] cancel(int pid, int key) {
        return ByteBuffer.allocate(16).putInt(16).putInt(CANCEL_REQUEST).putInt(pid).putInt(key).array();
    }

    static byte[] lengthOnly(int length, int code, int padding) {
        return ByteBuffer.allocate(8 + padding).putInt(length).putInt(code).array();
    }

    static byte[] random(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        int size = 0;
        for (byte[] part : parts) {
            size += part.length;
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
