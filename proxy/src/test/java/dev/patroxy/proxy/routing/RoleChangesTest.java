package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.patroxy.config.HostPort;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.stats.DetectionHistogram;
import dev.patroxy.stats.RoleChange;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoleChangesTest {
    private static final Instant T0 = Instant.parse("2026-11-25T21:50:07Z");

    private static Backend backend(String name) {
        return new Backend("primary", new ServerConfig(name, new HostPort("127.0.0.1", 5432),
                new HostPort("127.0.0.1", 8008), 0), Optional.empty(), T0);
    }

    @Test
    void detectionRunsFromTheFirstSignToTheNewPrimaryTakingSessions() {
        RoleChanges changes = new RoleChanges();
        Backend pg02 = backend("pg02");
        Backend pg03 = backend("pg03");
        changes.record(T0, null, pg02, "check: pg02 is UP");

        changes.signSeen(T0.plusMillis(1000));
        changes.record(T0.plusMillis(1001), pg02, null, "DCS: the leader key is gone");
        changes.signSeen(T0.plusMillis(1004));
        changes.record(T0.plusMillis(1078), null, pg03, "check: pg03 is UP");

        assertThat(changes.total()).isEqualTo(3);
        assertThat(changes.recent()).extracting(RoleChange::to).containsExactly("pg03", null, "pg02");
        assertThat(changes.recent().get(0).detection()).isEqualTo(Duration.ofMillis(78));
        assertThat(changes.recent().get(1).detection()).isEqualTo(Duration.ofMillis(1));
        assertThat(changes.recent().get(2).detection()).as("the first primary after start").isNull();
    }

    @Test
    void keepsTheLatestTen() {
        RoleChanges changes = new RoleChanges();
        Backend a = backend("a");
        for (int i = 0; i < 12; i++) {
            changes.record(T0.plusSeconds(i), i % 2 == 0 ? null : a, i % 2 == 0 ? a : null, "change " + i);
        }
        assertThat(changes.recent()).hasSize(10).first().extracting(RoleChange::why).isEqualTo("change 11");
        assertThat(changes.total()).isEqualTo(12);
    }

    @Test
    void everyDetectionSinceStartIsCountedInItsBucketEvenPastTheTenKept() {
        RoleChanges changes = new RoleChanges();
        Backend a = backend("a");
        changes.record(T0, null, a, "first primary");
        for (int i = 1; i <= 12; i++) {
            changes.signSeen(T0.plusSeconds(10L * i));
            changes.record(T0.plusSeconds(10L * i).plusMillis(i <= 11 ? 40 : 3000), a, a, "change " + i);
        }

        DetectionHistogram histogram = changes.detections();
        assertThat(histogram.count()).as("the first primary after start has no detection time").isEqualTo(12);
        assertThat(histogram.bucketCounts().get(1)).as("11 within 0.05 s").isEqualTo(11);
        assertThat(histogram.bucketCounts().get(7)).as("one within 5 s").isEqualTo(1);
        assertThat(histogram.sumSeconds()).isCloseTo(11 * 0.040 + 3.0, within(1e-9));
    }
}
