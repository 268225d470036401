package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionLogTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final SessionLog log = new SessionLog(new InetSocketAddress("10.29.0.1", 50123), "primary",
            Instant.parse("2026-11-25T19:47:18.123Z").toEpochMilli(), 1000 * MS);

    @Test
    void aSessionThatRanItsCourseReadsLikeHaproxysTcplog() {
        log.serverChosen("pg01");
        log.queued(5 * MS);
        log.connected(1007 * MS);
        log.fromClient(120);
        log.toClient(4096);
        log.end(SessionLog.Termination.CLIENT_CLOSED);

        assertThat(log.line(3500 * MS)).isEqualTo(
                "10.29.0.1:50123 [25/Nov/2026:19:47:18.123] primary primary/pg01 5/2/2500 4096 120 CD 0 (client closed)");
    }

    @Test
    void theFirstCauseWinsSoAKillIsNotReportedAsTheCloseItCaused() {
        log.serverChosen("pg03");
        log.connected(1001 * MS);
        log.end(SessionLog.Termination.KILLED);
        log.end(SessionLog.Termination.SERVER_CLOSED);

        assertThat(log.line(2000 * MS)).endsWith(" KD 0 (server left its role or went DOWN)");
    }

    @Test
    void timesThatNeverCameAreMinusOneAndNoServerIsNosrv() {
        log.end(SessionLog.Termination.NO_SERVER);

        assertThat(log.line(1001 * MS)).isEqualTo(
                "10.29.0.1:50123 [25/Nov/2026:19:47:18.123] primary primary/<NOSRV> -1/-1/1 0 0 SC 0"
                        + " (no server takes sessions)");
    }

    @Test
    void retriesAreCounted() {
        log.retried();
        log.retried();
        log.end(SessionLog.Termination.CONNECT_FAILED);

        assertThat(log.line(1001 * MS)).contains(" SC 2 (could not connect to the server)");
    }

    @Test
    void theSharedLogOfUnloggedListenersKeepsNothing() {
        SessionLog.OFF.serverChosen("pg01");
        SessionLog.OFF.fromClient(120);
        SessionLog.OFF.end(SessionLog.Termination.KILLED);

        assertThat(SessionLog.OFF.line(0)).contains(" /<NOSRV> ").contains(" 0 0 CD 0 (client closed)");
    }
}
