package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.proxy.health.HealthSnapshot;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.stats.ServerRole;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerRolesTest {
    private static final CheckConfig PATRONI =
            new CheckConfig("GET", "/patroni", 200, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 1);

    private static Backend reporting(String role) {
        Backend backend = new Backend("primary", new ServerConfig("pg01", new HostPort("127.0.0.1", 5432),
                new HostPort("127.0.0.1", 8008), 0), Optional.of(PATRONI), Instant.EPOCH);
        backend.publishHealth(HealthSnapshot.initial(Instant.EPOCH, 1), role, 0);
        return backend;
    }

    @Test
    void patronisRolesAreTheirOwnAndMasterIsPrimary() {
        assertThat(ServerRoles.roleOf(List.of(reporting("standby_leader")))).isEqualTo(ServerRole.STANDBY_LEADER);
        assertThat(ServerRoles.roleOf(List.of(reporting("demoted")))).isEqualTo(ServerRole.DEMOTED);
        assertThat(ServerRoles.roleOf(List.of(reporting("master")))).isEqualTo(ServerRole.PRIMARY);
    }

    /** A server UP on a check of {@code path} whose body said {@code role}. */
    private static Backend upOn(String path, String role) {
        CheckConfig check = new CheckConfig("GET", path, 200, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 1);
        Backend backend = new Backend("standby", new ServerConfig("pg01", new HostPort("127.0.0.1", 5432),
                new HostPort("127.0.0.1", 8008), 0), Optional.of(check), Instant.EPOCH);
        backend.publishHealth(HealthSnapshot.unchecked(Instant.EPOCH), role, 0);
        return backend;
    }

    @Test
    void aServerPassingAStandbyLeaderCheckIsTheStandbyLeaderAndOnLeaderItsBodySaysWhichLeader() {
        assertThat(ServerRoles.roleOf(List.of(upOn("/standby-leader", null)))).isEqualTo(ServerRole.STANDBY_LEADER);
        assertThat(ServerRoles.roleOf(List.of(upOn("/standby_leader", "replica"))))
                .as("Patroni 3 before it names the role").isEqualTo(ServerRole.STANDBY_LEADER);
        assertThat(ServerRoles.roleOf(List.of(upOn("/leader", "standby_leader")))).isEqualTo(ServerRole.STANDBY_LEADER);
        assertThat(ServerRoles.roleOf(List.of(upOn("/leader", "primary")))).isEqualTo(ServerRole.PRIMARY);
        assertThat(ServerRoles.roleOf(List.of(upOn("/leader", null)))).isEqualTo(ServerRole.PRIMARY);
    }

    @Test
    void anyOtherTextFromPatroniIsOther() {
        assertThat(ServerRoles.roleOf(List.of(reporting("x".repeat(10_000))))).isEqualTo(ServerRole.OTHER);
        assertThat(ServerRoles.roleOf(List.of(reporting("sync_standby")))).isEqualTo(ServerRole.OTHER);
    }

    @Test
    void noReportAndNoPassingCheckIsUnknown() {
        assertThat(ServerRoles.roleOf(List.of(reporting(null)))).isEqualTo(ServerRole.UNKNOWN);
    }
}
