package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RelayHandlerTest {
    private final EmbeddedChannel peer = new EmbeddedChannel();
    private final AtomicLong counted = new AtomicLong();
    private final SessionLog sessionLog = new SessionLog(null, "primary", Instant.EPOCH, 0);
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new RelayHandler(peer, Duration.ofSeconds(1), counted::addAndGet, sessionLog, true));

    @Test
    void forwardsEachReadToThePeerFlushesAtTheEndOfTheBatchAndCountsBytes() {
        channel.writeInbound(Unpooled.copiedBuffer("Q\0\0\0\rselect 1", StandardCharsets.US_ASCII));
        channel.writeInbound(Unpooled.copiedBuffer("X", StandardCharsets.US_ASCII));

        ByteBuf first = peer.readOutbound();
        ByteBuf second = peer.readOutbound();
        assertThat(first.toString(StandardCharsets.US_ASCII)).isEqualTo("Q\0\0\0\rselect 1");
        assertThat(second.toString(StandardCharsets.US_ASCII)).isEqualTo("X");
        assertThat(counted.get()).isEqualTo(14);
        first.release();
        second.release();
    }

    @Test
    void stopsReadingThePeerWhileThisSideCannotWriteAndResumesWhenItCan() {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));

        channel.write(Unpooled.wrappedBuffer(new byte[64]));
        assertThat(channel.isWritable()).isFalse();
        assertThat(peer.config().isAutoRead()).as("peer paused").isFalse();

        channel.flush();
        assertThat(channel.isWritable()).isTrue();
        assertThat(peer.config().isAutoRead()).as("peer resumed").isTrue();
        ((ByteBuf) channel.readOutbound()).release();
    }

    @Test
    void whenThisSideClosesThePeerIsClosedAfterWhatItHasQueued() {
        channel.writeInbound(Unpooled.copiedBuffer("last words", StandardCharsets.US_ASCII));
        channel.close();

        ByteBuf delivered = peer.readOutbound();
        assertThat(delivered.toString(StandardCharsets.US_ASCII)).isEqualTo("last words");
        delivered.release();
        assertThat(peer.isOpen()).isFalse();
    }

    @Test
    void idlenessPastTheTimeoutClosesTheSession() {
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);

        assertThat(channel.isOpen()).isFalse();
        assertThat(peer.isOpen()).isFalse();
        assertThat(sessionLog.line(0)).contains(" cD 0 (client timeout)");
    }
}
