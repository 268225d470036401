package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.patroxy.testing.LeakCheck;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link StatsServer#close()} does to the connections still open, on loopback sockets. */
@Timeout(60)
class StatsServerCloseTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final long BOUND_SECONDS = 10;

    private final AtomicReference<SingleThreadEventExecutor> statsLoop = new AtomicReference<>();
    private final StatsServer server = new StatsServer(List.of(ANY_LOOPBACK_PORT), () -> {
        // Snapshots are taken on the stats event loop, which lets the test queue its own tasks there.
        statsLoop.set((SingleThreadEventExecutor) ThreadExecutorMap.currentExecutor());
        return TestSnapshots.sample();
    }, Duration.ofSeconds(5));
    private Socket client;

    @AfterEach
    void stop() throws IOException {
        server.close();
        if (client != null) {
            client.close();
        }
    }

    /**
     * Netty's graceful shutdown closes the channels still registered only if the loop sees the shutdown before it
     * runs its tasks; with no quiet period, a shutdown that lands while the loop runs tasks ends the loop without
     * closing them, and a connection holding half a request keeps the decoder's buffer forever. The test makes the
     * loop run tasks at the moment close() shuts it down.
     */
    @Test
    void closeClosesAConnectionHoldingHalfARequestAndReleasesItsBuffers() throws Exception {
        server.start();
        client = new Socket();
        client.connect(server.boundAddresses().get(0));
        client.setSoTimeout((int) TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        OutputStream out = client.getOutputStream();
        out.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = client.getInputStream();
        assertThat(new String(in.readNBytes(15), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK");
        SingleThreadEventExecutor loop = statsLoop.get();
        // The read that answered the HEAD left the second request's headers, unfinished, in the decoder.
        loop.submit(() -> { }).syncUninterruptibly();

        // The loop's tasks spin rather than wait: a wait on an event loop is what BlockingCheck fails a test for.
        AtomicBoolean holding = new AtomicBoolean();
        AtomicBoolean released = new AtomicBoolean();
        loop.execute(() -> {
            holding.set(true);
            spinUntil(released::get, "the test releases the loop");
        });
        // Until the loop has taken the holding task, that task is the one pending, not the listener's close.
        spinUntil(holding::get, "the loop holds");
        Thread closer = new Thread(server::close, "stats-closer");
        closer.start();
        spinUntil(() -> loop.pendingTasks() > 0, "close() queues the listener's close");
        loop.execute(() -> {
            // Runs right after the listener's close: holds the loop in its tasks until close() has gone on, to the
            // loop's shutdown or to a wait on the connections' close (queued behind this task, so it cannot end).
            spinUntil(() -> loop.isShuttingDown() || waitsOnTheConnectionsClose(closer), "close() goes on");
        });
        released.set(true);
        closer.join(TimeUnit.SECONDS.toMillis(BOUND_SECONDS));
        assertThat(closer.isAlive()).as("close() returned").isFalse();

        try {
            in.readAllBytes();
        } catch (SocketTimeoutException stillOpen) {
            fail("close() left the connection open");
        }
        assertThat(LeakCheck.collect()).as("buffers leaked").isEmpty();
    }

    /** Whether the thread waits on a channel group's close: which object a thread waits on is what tells the waits apart. */
    private static boolean waitsOnTheConnectionsClose(Thread thread) {
        ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(thread.getId());
        return info != null && info.getThreadState() == Thread.State.WAITING && info.getLockInfo() != null
                && info.getLockInfo().getClassName().equals("io.netty.channel.group.DefaultChannelGroupFuture");
    }

    private static void spinUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
        }
    }
}
