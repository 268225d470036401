package dev.patroxy.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.stats.AdminState;
import org.junit.jupiter.api.Test;

class AdminLogTest {
    @Test
    void goingIntoMaintenanceIsHaproxysLine() {
        assertThat(AdminLog.transition("primary", "pg02", AdminState.READY, AdminState.MAINT, true, 0, 3, 1))
                .contains("Server primary/pg02 is going DOWN for maintenance. 0 active and 0 backup servers left."
                        + " 3 sessions active, 1 requeued, 0 remaining in queue.");
        assertThat(AdminLog.transition("primary", "pg02", AdminState.READY, AdminState.MAINT, false, 1, 0, 0))
                .contains("Server primary/pg02 was DOWN and now enters maintenance.");
    }

    @Test
    void drainAndLeavingEitherAreHaproxysLines() {
        assertThat(AdminLog.transition("replicas", "pg03", AdminState.READY, AdminState.DRAIN, true, 1, 2, 0))
                .contains("Server replicas/pg03 enters drain state. 1 active and 0 backup servers online."
                        + " 0 sessions requeued, 0 total in queue.");
        assertThat(AdminLog.transition("primary", "pg02", AdminState.MAINT, AdminState.READY, true, 0, 0, 0))
                .contains("Server primary/pg02 is UP/READY (leaving forced maintenance).");
        assertThat(AdminLog.transition("primary", "pg02", AdminState.MAINT, AdminState.DRAIN, false, 0, 0, 0))
                .contains("Server primary/pg02 is DOWN/DRAIN (leaving forced maintenance).");
        assertThat(AdminLog.transition("primary", "pg02", AdminState.DRAIN, AdminState.READY, true, 0, 0, 0))
                .contains("Server primary/pg02 is UP (leaving forced drain).");
        assertThat(AdminLog.transition("primary", "pg02", AdminState.DRAIN, AdminState.DRAIN, true, 0, 0, 0))
                .isEmpty();
    }
}
