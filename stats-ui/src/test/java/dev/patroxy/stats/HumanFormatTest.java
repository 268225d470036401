package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HumanFormatTest {
    @Test
    void bytesInBinaryUnits() {
        assertThat(HumanFormat.bytes(0)).isEqualTo("0 B");
        assertThat(HumanFormat.bytes(1023)).isEqualTo("1023 B");
        assertThat(HumanFormat.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(HumanFormat.bytes(5L << 30)).isEqualTo("5.0 GiB");
        assertThat(HumanFormat.bytes(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
    }

    @Test
    void agesLikeHaproxy() {
        assertThat(HumanFormat.age(Duration.ZERO)).isEqualTo("0s");
        assertThat(HumanFormat.age(Duration.ofSeconds(59))).isEqualTo("59s");
        assertThat(HumanFormat.age(Duration.ofSeconds(61))).isEqualTo("1m1s");
        assertThat(HumanFormat.age(Duration.ofSeconds(192))).isEqualTo("3m12s");
        assertThat(HumanFormat.age(Duration.ofSeconds(3600 * 2 + 5 * 60 + 9))).isEqualTo("2h05m");
        assertThat(HumanFormat.age(Duration.ofHours(76))).isEqualTo("3d04h");
    }

    @Test
    void uptimeLikeHaproxy() {
        assertThat(HumanFormat.uptime(Duration.ofSeconds(61))).isEqualTo("0d 0h01m01s");
        assertThat(HumanFormat.uptime(Duration.ofSeconds(86400 + 3600 * 3 + 4))).isEqualTo("1d 3h00m04s");
    }

    @Test
    void elapsedIsNeverNegative() {
        Instant now = Instant.parse("2024-05-01T10:00:00Z");
        assertThat(HumanFormat.elapsed(now, now.minusMillis(5))).isEqualTo(Duration.ZERO);
        assertThat(HumanFormat.elapsed(now, now.plusSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    }
}
