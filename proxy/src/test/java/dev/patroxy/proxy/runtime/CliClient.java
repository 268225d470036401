package dev.patroxy.proxy.runtime;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A runtime API client over a real socket: what it receives is collected by a thread of its own. */
final class CliClient implements AutoCloseable {
    private final SocketChannel channel;
    private final StringBuffer received = new StringBuffer();
    private final CountDownLatch ended = new CountDownLatch(1);

    private CliClient(SocketChannel channel) {
        this.channel = channel;
        Thread reader = new Thread(this::read, "cli-client");
        reader.setDaemon(true);
        reader.start();
    }

    static CliClient unix(Path path) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(path));
        return new CliClient(channel);
    }

    static CliClient tcp(SocketAddress address) throws IOException {
        return new CliClient(SocketChannel.open(address));
    }

    private void read() {
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        try {
            while (channel.read(buffer.clear()) >= 0) {
                received.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
            }
        } catch (IOException closed) {
            // The test closed it, or the server reset it: what came before is all there is.
        } finally {
            ended.countDown();
        }
    }

    CliClient send(String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        return this;
    }

    /** Shuts the sending side, as socat does at the end of its input. */
    CliClient shutdownOutput() throws IOException {
        channel.shutdownOutput();
        return this;
    }

    /** Everything until the server closes the connection; fails after {@code within}. */
    String untilClosed(Duration within) throws InterruptedException {
        if (!ended.await(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the server did not close within " + within + "; received: " + received);
        }
        return received.toString();
    }

    /** What has come once it ends with {@code suffix}; fails after {@code within}. */
    String until(String suffix, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!received.toString().endsWith(suffix)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + suffix + "' within " + within + "; received: " + received);
            }
            Thread.sleep(5);
        }
        String text = received.toString();
        received.setLength(0);
        return text;
    }

    boolean closedWithin(Duration within) throws InterruptedException {
        return ended.await(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
