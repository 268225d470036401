package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.ApiAccess;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.TlsClient;
import dev.patroxy.proxy.routing.Backend;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatsSnapshotsTest {
    private static final CheckConfig CHECK = new CheckConfig("GET", "/primary", 200, Duration.ofSeconds(1),
            Duration.ofSeconds(1), 2, 3);

    @Test
    void theStatsShowTheCheckUrlAsTheCheckReachesTheRestApi() {
        ServerConfig plain = new ServerConfig("pg01", new HostPort("10.0.0.1", 5432), new HostPort("10.0.0.1", 8008), 0);
        ServerConfig overTls = plain.withCheckAccess(new ApiAccess(
                Optional.of(new TlsClient(false, Optional.empty(), Optional.empty())), Optional.empty()));

        assertThat(StatsSnapshots.server(new Backend("l", plain, Optional.of(CHECK), Instant.EPOCH), "primary",
                Instant.EPOCH).checkUrl()).isEqualTo("http://10.0.0.1:8008/primary");
        assertThat(StatsSnapshots.server(new Backend("l", overTls, Optional.of(CHECK), Instant.EPOCH), "primary",
                Instant.EPOCH).checkUrl()).isEqualTo("https://10.0.0.1:8008/primary");
        assertThat(StatsSnapshots.server(new Backend("l", plain, Optional.empty(), Instant.EPOCH), "primary",
                Instant.EPOCH).checkUrl()).as("not checked").isEmpty();
    }
}
