package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.stats.AdminState;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ServerAdminTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void onlyAReadyServerWithAWeightTakesNewSessions() {
        ServerAdmin ready = ServerAdmin.initial();
        assertThat(ready.admitsNewSessions()).isTrue();
        assertThat(ready.withState(AdminState.DRAIN, true, T0).admitsNewSessions()).isFalse();
        assertThat(ready.withState(AdminState.MAINT, true, T0).admitsNewSessions()).isFalse();
        assertThat(ready.withWeight(0).admitsNewSessions()).isFalse();
    }

    @Test
    void aCheckedServerBackFromMaintWaitsForACheckSentSinceItLeft() {
        ServerAdmin back = ServerAdmin.initial().withState(AdminState.MAINT, true, T0)
                .withState(AdminState.READY, true, T0.plusSeconds(10));
        assertThat(back.admitsNewSessions()).isFalse();
        assertThat(back.checkPassed(T0.plusSeconds(9)).admitsNewSessions()).as("a check sent before").isFalse();
        assertThat(back.checkPassed(T0.plusSeconds(10)).admitsNewSessions()).isTrue();
    }

    @Test
    void theWaitLastsThroughDrainAndAnUncheckedServerHasNone() {
        ServerAdmin drained = ServerAdmin.initial().withState(AdminState.MAINT, true, T0)
                .withState(AdminState.DRAIN, true, T0.plusSeconds(1));
        assertThat(drained.withState(AdminState.READY, true, T0.plusSeconds(2)).awaitingCheckSince())
                .isEqualTo(T0.plusSeconds(1));
        assertThat(ServerAdmin.initial().withState(AdminState.MAINT, false, T0)
                .withState(AdminState.READY, false, T0).admitsNewSessions()).isTrue();
        assertThat(ServerAdmin.initial().withState(AdminState.DRAIN, true, T0)
                .withState(AdminState.READY, true, T0).admitsNewSessions()).as("drain is not maintenance").isTrue();
    }

    @Test
    void maintCutsSessionsDrainKeepsThemOtherwiseOnMarkedDownDecides() {
        ServerAdmin ready = ServerAdmin.initial();
        assertThat(ready.withState(AdminState.MAINT, true, T0).cutsSessionsWhenDropped(false)).isTrue();
        assertThat(ready.withState(AdminState.DRAIN, true, T0).cutsSessionsWhenDropped(true)).isFalse();
        assertThat(ready.withWeight(0).cutsSessionsWhenDropped(true)).isFalse();
        assertThat(ready.cutsSessionsWhenDropped(true)).isTrue();
        assertThat(ready.cutsSessionsWhenDropped(false)).isFalse();
    }
}
