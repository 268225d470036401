package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.proxy.routing.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RelayHandlerTest {
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SERVER_TIMEOUT = Duration.ofSeconds(30);

    private final MockTicker ticker = Ticker.newMockTicker();
    private final EmbeddedChannel client = EmbeddedChannel.builder().ticker(ticker).build();
    private final EmbeddedChannel server = EmbeddedChannel.builder().ticker(ticker).build();
    private final TrafficCounters serverTraffic = new TrafficCounters();
    private final SessionLog sessionLog = new SessionLog(null, "primary", 0, 0);
    private final TrackedSession tracked = new TrackedSession(1, "primary", client, 0);
    private final SessionCounters counters =
            new SessionCounters(serverTraffic, new TrafficCounters(), sessionLog, tracked);
    private final RelayHandler fromClient = new RelayHandler(server, CLIENT_TIMEOUT, Duration.ofSeconds(1),
            counters, true);
    private final RelayHandler toClient = new RelayHandler(client, SERVER_TIMEOUT, Duration.ofSeconds(2),
            counters, false);

    RelayHandlerTest() {
        client.pipeline().addLast(fromClient);
        server.pipeline().addLast(toClient);
        RelayHandler.link(fromClient, toClient);
    }

    private void advance(long seconds) {
        ticker.advance(seconds, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
        server.runScheduledPendingTasks();
    }

    private void fromClient(String text) {
        client.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
        ((ByteBuf) server.readOutbound()).release();
    }

    @Test
    void forwardsEachReadToThePeerFlushesAtTheEndOfTheBatchAndCountsBytes() {
        client.writeInbound(Unpooled.copiedBuffer("Q\0\0\0\rselect 1", StandardCharsets.US_ASCII));
        client.writeInbound(Unpooled.copiedBuffer("X", StandardCharsets.US_ASCII));

        ByteBuf first = server.readOutbound();
        ByteBuf second = server.readOutbound();
        assertThat(first.toString(StandardCharsets.US_ASCII)).isEqualTo("Q\0\0\0\rselect 1");
        assertThat(second.toString(StandardCharsets.US_ASCII)).isEqualTo("X");
        assertThat(serverTraffic.bytesIn()).isEqualTo(14);
        assertThat(tracked.info(0).bytesIn()).as("the session's own count, for show sess").isEqualTo(14);
        first.release();
        second.release();
    }

    @Test
    void stopsReadingThePeerWhileThisSideCannotWriteAndResumesWhenItCan() {
        client.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));

        client.write(Unpooled.wrappedBuffer(new byte[64]));
        assertThat(client.isWritable()).isFalse();
        assertThat(server.config().isAutoRead()).as("server paused").isFalse();

        client.flush();
        assertThat(client.isWritable()).isTrue();
        assertThat(server.config().isAutoRead()).as("server resumed").isTrue();
        ((ByteBuf) client.readOutbound()).release();
    }

    @Test
    void whenThisSideClosesThePeerIsClosedAfterWhatItHasQueued() {
        client.writeInbound(Unpooled.copiedBuffer("last words", StandardCharsets.US_ASCII));
        client.close();

        ByteBuf delivered = server.readOutbound();
        assertThat(delivered.toString(StandardCharsets.US_ASCII)).isEqualTo("last words");
        delivered.release();
        assertThat(server.isOpen()).isFalse();
    }

    @Test
    void idlenessPastTheClientTimeoutClosesTheSession() {
        advance(9);
        assertThat(client.isOpen()).isTrue();

        advance(1);
        assertThat(client.isOpen()).isFalse();
        assertThat(server.isOpen()).isFalse();
        assertThat(sessionLog.line(0)).contains(" cD 0 (client timeout)");
    }

    @Test
    void readingFromASideRestartsItsTimeout() {
        advance(8);
        fromClient("Q");
        advance(8);
        assertThat(client.isOpen()).as("8 s since the last read").isTrue();

        advance(2);
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void writingToASideCountsAsActivityThere() {
        for (int i = 0; i < 3; i++) {
            advance(8);
            server.writeInbound(Unpooled.copiedBuffer("D", StandardCharsets.US_ASCII));
            ((ByteBuf) client.readOutbound()).release();
        }
        assertThat(client.isOpen()).as("never read from in 24 s, but written to 0 s ago").isTrue();

        advance(9);
        assertThat(client.isOpen()).isTrue();
        advance(1);
        assertThat(client.isOpen()).isFalse();
        assertThat(sessionLog.line(0)).contains(" cD 0 (client timeout)");
    }
}
