package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonStatsTest {
    private final String json = new JsonStats().render(TestSnapshots.sample());

    @Test
    void adminStatesShowAsStatusAndAdmin() {
        String maint = new JsonStats().render(TestSnapshots.withAdmin(AdminState.MAINT));
        assertThat(maint).contains("\"status\":\"MAINT\",\"state\":\"UP\",\"admin\":\"MAINT\",\"weight\":0")
                .contains("\"status\":\"PAUSED\",\"disabled\":true");
        assertThat(json).contains("\"admin\":\"READY\",\"weight\":1").contains("\"disabled\":false");
    }

    @Test
    void isValidJson() {
        JsonSyntax.check(json);
    }

    @Test
    void theSyntaxCheckCatchesBrokenJson() {
        assertThatThrownBy(() -> JsonSyntax.check("{\"a\":1,}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonSyntax.check("[1 2]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonSyntax.check("{\"a\":\"x\ny\"}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void startsWithTheProcess() {
        assertThat(json).startsWith("{\"version\":\"0.1.0-test\",\"startedAt\":\"2024-05-01T10:00:00Z\","
                + "\"takenAt\":\"2024-05-01T11:01:01Z\",\"uptimeSeconds\":3661,\"configuration\":{"
                + "\"loadedAt\":\"2024-05-01T11:00:01Z\",\"reloadsSucceeded\":2,\"reloadsFailed\":1,"
                + "\"lastReloadSucceeded\":false,"
                + "\"lastFailure\":\"patroxy.yml:7: listeners[0].bind: invalid port 'x'\","
                + "\"lastFailureAt\":\"2024-05-01T11:00:31Z\",\"drainingSessions\":4},\"dcs\":{\"configured\":false},"
                + "\"listeners\":[{\"name\":\"primary\","
                + "\"binds\":[\"0.0.0.0:5000\",\"[::]:5000\"],\"balance\":\"primary\","
                + "\"check\":\"OPTIONS /primary expect 200\",");
    }

    @Test
    void listenerHasFrontendAndBackend() {
        assertThat(json).contains("\"frontend\":{\"status\":\"OPEN\",\"disabled\":false,\"currentSessions\":3,\"maxSessions\":17,"
                + "\"totalSessions\":1240,\"bytesIn\":987654,\"bytesOut\":12345678,\"refused\":6,\"sessionLimit\":500,"
                + "\"held\":2,\"maxHeld\":9,\"heldReleased\":41,\"holdTimeouts\":1,\"startupTimeouts\":4,"
                + "\"firstPacketRejections\":7,\"switchoverPaused\":true,\"switchoverPauses\":3}");
        assertThat(json).as("no maxconn").contains("\"refused\":1,\"sessionLimit\":0,");
        assertThat(json).contains("\"backend\":{\"status\":\"UP\",\"activeServers\":1,\"currentSessions\":3,"
                + "\"totalSessions\":1238,\"bytesIn\":988264,\"bytesOut\":12346294,\"connectErrors\":6,"
                + "\"killedSessions\":15,\"queueCurrent\":2,\"queueTimeouts\":3,\"queueTimeAverageMillis\":11}");
        assertThat(json).contains("\"backend\":{\"status\":\"DOWN\",\"activeServers\":0,");
    }

    @Test
    void listenerHasItsRoleChangesNewestFirst() {
        assertThat(json).contains("\"roleChangesTotal\":3,\"roleChanges\":[{\"at\":\"2024-05-01T10:57:49Z\","
                + "\"from\":null,\"to\":\"pg01\",\"why\":\"DCS: the DCS leader key names pg01\",\"detectionMillis\":78},"
                + "{\"at\":\"2024-05-01T10:57:48Z\",\"from\":\"pg02\",\"to\":null,");
        assertThat(json).as("no role changes").contains("\"roleChangesTotal\":0,\"roleChanges\":[]}");
    }

    @Test
    void serverHasEveryField() {
        assertThat(json).contains("{\"name\":\"pg02\",\"address\":\"pg02.db:5432\","
                + "\"checkUrl\":\"http://pg02.db:8008/primary\",\"status\":\"UP 1/3\",\"state\":\"GOING_DOWN\",\"admin\":\"READY\",\"weight\":1,"
                + "\"health\":1,\"healthMax\":3,\"role\":\"replica\",\"routable\":false,\"currentSessions\":0,"
                + "\"maxSessions\":1,\"totalSessions\":4,\"bytesIn\":10,\"bytesOut\":20,\"connectErrors\":2,"
                + "\"checkFailures\":7,\"checkErrors\":4,\"downTransitions\":2,\"lastChange\":\"2024-05-01T05:54:01Z\","
                + "\"lastChangeSeconds\":18420,\"downtimeSeconds\":3725,\"killedSessions\":5,"
                + "\"sessionLimit\":0,\"queueCurrent\":0,\"queueMax\":0,\"queueTimeouts\":0,\"queueTimeAverageMillis\":0,"
                + "\"lastCheck\":{\"status\":\"L7STS\",\"code\":503,\"durationMillis\":2,"
                + "\"detail\":\"HTTP 503, not the primary\",\"at\":\"2024-05-01T11:01:00Z\"}}");
        assertThat(json).contains("{\"name\":\"pg01\",").contains("\"routable\":true");
        assertThat(json).contains("{\"name\":\"<x>\",");
    }

    @Test
    void serverHasItsLimitAndQueue() {
        assertThat(json).contains("\"killedSessions\":0,\"sessionLimit\":100,\"queueCurrent\":2,\"queueMax\":7,"
                + "\"queueTimeouts\":3,\"queueTimeAverageMillis\":12,\"lastCheck\":{\"status\":\"L7OK\"");
    }

    @Test
    void endsClosingEverything() {
        assertThat(json).endsWith("\"roleChanges\":[]}]}");
    }

    @Test
    void saysWhatTheDcsLeaderKeyNamesAndWarnsWhenItIsNoServer() {
        String withDcs = new JsonStats().render(TestSnapshots.withUnknownLeader());

        JsonSyntax.check(withDcs);
        assertThat(withDcs).contains("\"dcs\":{\"configured\":true,\"leader\":\"postgresql0\","
                + "\"listenersWithoutLeader\":[\"primary\"],\"requestFailures\":4,\"errors\":1,"
                + "\"lastError\":\"the DCS leader watch: boom\",\"warning\":\"the DCS leader key names the Patroni"
                + " member 'postgresql0', which is none of the servers of primary");
        assertThat(json).contains("\"dcs\":{\"configured\":false}");
    }
}
