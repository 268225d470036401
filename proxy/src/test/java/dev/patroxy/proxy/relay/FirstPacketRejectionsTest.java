package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.patroxy.proxy.relay.FirstPacketRejections.Reason;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FirstPacketRejectionsTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(FirstPacketRejections.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final EmbeddedChannel clock = new EmbeddedChannel();
    private final FirstPacketRejections rejections = new FirstPacketRejections("primary");
    private final InetSocketAddress client = new InetSocketAddress("127.0.0.1", 40000);

    FirstPacketRejectionsTest() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(lines);
    }

    private List<String> infoLines() {
        return lines.list.stream().filter(e -> e.getLevel() == Level.INFO).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void aBurstIsCountedAndSummarisedInOneInfoLineAfterTenSeconds() {
        rejections.rejected(Reason.TIMEOUT, client, "1 bytes of it within 5000 ms", clock.eventLoop());
        rejections.rejected(Reason.TIMEOUT, client, "0 bytes of it within 5000 ms", clock.eventLoop());
        rejections.rejected(Reason.INVALID, client, "invalid length of startup packet", clock.eventLoop());
        assertThat(infoLines()).as("nothing at info during the burst").isEmpty();

        clock.advanceTimeBy(FirstPacketRejections.SUMMARY_EVERY, TimeUnit.NANOSECONDS);
        clock.runScheduledPendingTasks();
        assertThat(infoLines()).containsExactly("primary: clients closed in their first packet in the last 10 s: "
                + "2 did not send its first packet within timeout client-hello; 1 sent an invalid first packet");
        assertThat(lines.list).allMatch(e -> e.getThrowableProxy() == null);
        assertThat(rejections.count(Reason.TIMEOUT)).isEqualTo(2);
        assertThat(rejections.total()).isEqualTo(3);

        rejections.rejected(Reason.OVER_LIMIT, client, null, clock.eventLoop());
        clock.advanceTimeBy(FirstPacketRejections.SUMMARY_EVERY, TimeUnit.NANOSECONDS);
        clock.runScheduledPendingTasks();
        assertThat(infoLines()).hasSize(2).last().asString().endsWith(": 1 came while the proxy's places for "
                + "clients in their first packet were all taken");
        assertThat(rejections.total()).isEqualTo(4);
    }
}
