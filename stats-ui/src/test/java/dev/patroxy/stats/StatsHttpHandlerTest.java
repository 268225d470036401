package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatsHttpHandlerTest {

    @Test
    void answersBadRequestToAMalformedRequestAndCloses() {
        StatsConnectionCounters counters = new StatsConnectionCounters(1, new SimpleMeterRegistry());
        StatsTimeoutHandler timeouts = new StatsTimeoutHandler(
                new ConnectionDeadline(StatsLimits.DEFAULTS, System::nanoTime), counters);
        EmbeddedChannel channel = new EmbeddedChannel(timeouts, new HttpServerCodec(),
                new HttpServerKeepAliveHandler(), new StatsHttpHandler(new StatsRoutes(TestSnapshots::sample,
                        new HtmlStatsPage(Duration.ofSeconds(5)), new PrometheusStats()), 100, timeouts, counters,
                        Set.of(), null, 8192));

        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nbad header line\r\n\r\n", StandardCharsets.US_ASCII));

        ByteBuf written = channel.readOutbound();
        try {
            assertThat(written.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 400 Bad Request\r\n");
        } finally {
            written.release();
        }
        assertThat(channel.isOpen()).isFalse();
    }
}
