package dev.patroxy.e2e;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Patroni REST API on 127.0.0.1 that answers every check badly, one way after the other: bytes that are not
 * HTTP, an answer trickled out a byte at a time, a 200 whose body never ends, headers that never end. Each
 * answer is bounded in bytes and time; it counts how many bytes each kind got out before the checker hung up.
 */
final class FakePatroniApi implements AutoCloseable {
    enum Answer { GARBAGE, SLOW, HUGE_BODY, ENDLESS_HEADERS }

    /** The most one answer sends, and for how long: a checker that reads all of it has no limit of its own. */
    static final long ANSWER_CAP_BYTES = 256L << 20;
    static final long ANSWER_CAP_MILLIS = 15_000;

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final AtomicInteger served = new AtomicInteger();
    private final Map<Answer, AtomicLong> mostBytesTaken = new ConcurrentHashMap<>();
    private final Map<Answer, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<Answer> answers;

    FakePatroniApi(List<Answer> answers) throws IOException {
        this.answers = answers;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        for (Answer answer : Answer.values()) {
            mostBytesTaken.put(answer, new AtomicLong());
            counts.put(answer, new AtomicInteger());
        }
        Thread acceptor = new Thread(this::accept, "fake-patroni-api");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    Map<Answer, AtomicLong> mostBytesTaken() {
        return mostBytesTaken;
    }

    Map<Answer, AtomicInteger> counts() {
        return counts;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Answer answer = answers.get(served.getAndIncrement() % answers.size());
                threads.execute(() -> answer(socket, answer));
            } catch (IOException e) {
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private void answer(Socket socket, Answer answer) {
        counts.get(answer).incrementAndGet();
        long deadline = System.currentTimeMillis() + ANSWER_CAP_MILLIS;
        AtomicLong sent = new AtomicLong();
        try (socket) {
            socket.setSoTimeout(2000);
            socket.getInputStream().read(new byte[4096]);
            OutputStream out = new FilterOutputStream(socket.getOutputStream()) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    super.out.write(b, off, len);
                    sent.addAndGet(len);
                }
            };
            switch (answer) {
                case GARBAGE -> out.write(HostileClients.random(served.get(), 4096));
                case SLOW -> {
                    byte[] reply = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
                            + "{\"role\": \"replica\", \"state\": \"running\"}").getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < reply.length && System.currentTimeMillis() < deadline; i++) {
                        out.write(reply, i, 1);
                        Thread.sleep(300);
                    }
                }
                case HUGE_BODY -> {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                            + (1L << 40) + "\r\n\r\n{\"role\": \"replica\", \"padding\": \"")
                            .getBytes(StandardCharsets.US_ASCII));
                    repeat(out, new byte[64 * 1024], (byte) 'x', sent, deadline);
                }
                case ENDLESS_HEADERS -> {
                    out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
                    byte[] header = ("X-Padding: " + "x".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    while (sent.get() < ANSWER_CAP_BYTES && System.currentTimeMillis() < deadline) {
                        out.write(header);
                    }
                }
            }
        } catch (IOException e) {
            // the checker hung up: what it took is counted below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            mostBytesTaken.get(answer).accumulateAndGet(sent.get(), Math::max);
        }
    }

    private static void repeat(OutputStream out, byte[] chunk, byte filler, AtomicLong sent, long deadline)
            throws IOException {
        Arrays.fill(chunk, filler);
        while (sent.get() < ANSWER_CAP_BYTES && System.currentTimeMillis() < deadline) {
            out.write(chunk);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        threads.shutdownNow();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
