package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StatsRoutesTest {

    @Test
    void answersServerErrorWhenNoSnapshotCanBeTaken() {
        FullHttpResponse response = routes(() -> {
            throw new IllegalStateException("proxy not started");
        }).respond(HttpMethod.GET, "/;csv", null);
        try {
            assertThat(response.status()).isEqualTo(HttpResponseStatus.INTERNAL_SERVER_ERROR);
        } finally {
            response.release();
        }
    }

    @Test
    void headCarriesTheLengthOfTheBodyItLeavesOut() {
        Supplier<StatsSnapshot> sample = TestSnapshots::sample;
        FullHttpResponse get = routes(sample).respond(HttpMethod.GET, "/;csv", null);
        FullHttpResponse head = routes(sample).respond(HttpMethod.HEAD, "/;csv", null);
        try {
            assertThat(head.content().readableBytes()).isZero();
            assertThat(head.headers().getInt(HttpHeaderNames.CONTENT_LENGTH))
                    .isEqualTo(get.content().readableBytes())
                    .isEqualTo(new CsvStats().render(TestSnapshots.sample()).getBytes(StandardCharsets.UTF_8).length);
        } finally {
            get.release();
            head.release();
        }
    }

    @Test
    void unknownPathIsNotFoundWhateverTheMethod() {
        FullHttpResponse response = routes(TestSnapshots::sample).respond(HttpMethod.POST, "/nope", null);
        try {
            assertThat(response.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        } finally {
            response.release();
        }
    }

    private static StatsRoutes routes(Supplier<StatsSnapshot> snapshots) {
        return new StatsRoutes(snapshots, new HtmlStatsPage(Duration.ofSeconds(5)), new PrometheusStats());
    }
}
