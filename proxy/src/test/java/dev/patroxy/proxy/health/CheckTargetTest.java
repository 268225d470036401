package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckTargetTest {
    private static CheckTarget target(Duration inter, Duration timeout) {
        return new CheckTarget(new HostPort("10.0.0.1", 8008),
                new CheckConfig("GET", "/primary", 200, inter, timeout, 2, 3));
    }

    @Test
    void aCheckTakesItsTimeoutButNeverDaysWhateverTheConfigurationSays() {
        assertThat(target(Duration.ofSeconds(3), Duration.ofSeconds(5)).deadline()).as("the defaults")
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(target(Duration.ofSeconds(1), Duration.ofMillis(500)).deadline()).isEqualTo(Duration.ofMillis(500));
        assertThat(target(Duration.ofMillis(100), Duration.ofDays(3)).deadline()).isEqualTo(CheckTarget.DEADLINE_CEILING);
        assertThat(target(Duration.ofSeconds(30), Duration.ofDays(3)).deadline()).as("an inter longer than the ceiling")
                .isEqualTo(Duration.ofSeconds(30));
    }
}
