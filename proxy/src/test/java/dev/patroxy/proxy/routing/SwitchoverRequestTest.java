package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Reading Patroni's failover key as Patroni 3 writes it ({@code dcs.manual_failover}) and as older ones did. */
class SwitchoverRequestTest {
    @Test
    void aSwitchoverFromTheLeaderToACandidateAsksTheLeaderOnly() {
        SwitchoverRequest request = SwitchoverRequest.of("{\"leader\":\"pg01\",\"member\":\"pg03\"}");

        assertThat(request).isEqualTo(new SwitchoverRequest("pg01", "pg03", null, null, 0));
        assertThat(SwitchoverRequest.of("{\"leader\":\"pg01\",\"member\":\"pg03\"}", 9))
                .as("the same words written again").isNotEqualTo(request);
        assertThat(request.asksToHandOver("pg01")).isTrue();
        assertThat(request.asksToHandOver("pg03")).as("the candidate already leads: nothing to do").isFalse();
        assertThat(request.asksToHandOver("pg02")).as("Patroni ignores a leader name that does not match").isFalse();
        assertThat(request.asksToHandOver(null)).isFalse();
        assertThat(request).hasToString("pg01 to pg03");
    }

    @Test
    void aFailoverToACandidateWithoutALeaderNameAsksWhoeverLeads() {
        SwitchoverRequest request = SwitchoverRequest.of("{\"member\":\"pg02\"}");

        assertThat(request.asksToHandOver("pg01")).isTrue();
        assertThat(request.asksToHandOver("pg02")).isFalse();
        assertThat(SwitchoverRequest.of("{\"leader\":\"pg01\"}").asksToHandOver("pg01")).isTrue();
    }

    @Test
    void theEmptyObjectPatroniWritesWhenDoneAsksForNothing() {
        assertThat(SwitchoverRequest.of("{}")).isEqualTo(SwitchoverRequest.NONE);
        assertThat(SwitchoverRequest.of("{\"leader\":\"\",\"member\":null}")).isEqualTo(SwitchoverRequest.NONE);
        assertThat(SwitchoverRequest.of("[1,2]")).isEqualTo(SwitchoverRequest.NONE);
        assertThat(SwitchoverRequest.NONE.asksToHandOver("pg01")).isFalse();
        assertThat(SwitchoverRequest.NONE).hasToString("none");
    }

    @Test
    void aScheduledSwitchoverCarriesItsTimeWithItsOffset() {
        SwitchoverRequest request = SwitchoverRequest.of(
                "{\"leader\":\"pg01\",\"member\":\"pg03\",\"scheduled_at\":\"2026-12-03T15:30:00+01:00\"}");

        assertThat(request.scheduledAt()).isEqualTo(Instant.parse("2026-12-03T14:30:00Z"));
        assertThat(request.asksToHandOver("pg01")).isTrue();
    }

    @Test
    void aScheduleThatIsNoTimeMakesTheKeyUnreadableAndItAsksNothing() {
        SwitchoverRequest request = SwitchoverRequest.of("{\"leader\":\"pg01\",\"scheduled_at\":\"tomorrow\"}");

        assertThat(request.unreadable()).contains("tomorrow");
        assertThat(request.asksToHandOver("pg01")).isFalse();
    }

    @Test
    void theOldLeaderColonCandidateFormIsRead() {
        assertThat(SwitchoverRequest.of("pg01:pg03")).isEqualTo(new SwitchoverRequest("pg01", "pg03", null, null, 0));
        assertThat(SwitchoverRequest.of(" pg01 ")).isEqualTo(new SwitchoverRequest("pg01", null, null, null, 0));
        assertThat(SwitchoverRequest.of(":")).isEqualTo(SwitchoverRequest.NONE);
    }

    @Test
    void asInPythonAnyValueButEmptyNamesAMemberAndAnEmptyScheduleIsNow() {
        assertThat(SwitchoverRequest.of("{\"leader\":\" \"}").asksToHandOver("pg01"))
                .as("Patroni compares ' ' with its name and drops the key").isFalse();
        assertThat(SwitchoverRequest.of("{\"leader\":5}").asksToHandOver("pg01")).isFalse();
        SwitchoverRequest now = SwitchoverRequest.of("{\"leader\":\"pg01\",\"scheduled_at\":\"\"}");
        assertThat(now.scheduledAt()).isNull();
        assertThat(now.asksToHandOver("pg01")).isTrue();
    }
}
