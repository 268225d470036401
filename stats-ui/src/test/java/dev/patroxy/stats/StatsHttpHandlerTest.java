package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StatsHttpHandlerTest {

    @Test
    void answersBadRequestToAMalformedRequestAndCloses() {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(1024), new StatsHttpHandler(new StatsRoutes(TestSnapshots::sample,
                        new HtmlStatsPage(Duration.ofSeconds(5)), new PrometheusStats())));

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
