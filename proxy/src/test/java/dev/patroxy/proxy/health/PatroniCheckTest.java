package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

class PatroniCheckTest {
    @StartStop
    private final MockWebServer patroni = new MockWebServer();

    private CheckAnswer check(String method, String path, Duration timeout) throws Exception {
        CheckConfig config = new CheckConfig(method, path, 200, Duration.ofSeconds(1), timeout, 1, 1);
        return check(config, new HostPort(patroni.getHostName(), patroni.getPort()));
    }

    private static CheckAnswer check(CheckConfig config, HostPort target) throws Exception {
        CompletableFuture<CheckAnswer> answer = new CompletableFuture<>();
        new PatroniCheck(PatroniCheck.newSharedClient(), config, target, Clock.systemUTC()).run(answer::complete);
        return answer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void sendsACompleteRequestWithTheConfiguredMethodAndPathAndClosesTheConnection() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200).build());

        CheckAnswer answer = check("OPTIONS", "/primary", Duration.ofSeconds(1));

        RecordedRequest request = patroni.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request.getMethod()).isEqualTo("OPTIONS");
        assertThat(request.getTarget()).isEqualTo("/primary");
        assertThat(request.getHeaders().get("Connection")).isEqualTo("close");
        assertThat(answer.result().status()).isEqualTo("L7OK");
        assertThat(answer.result().code()).isEqualTo(200);
        assertThat(answer.result().passed()).isTrue();
        assertThat(answer.reportedRole()).isNull();
    }

    @Test
    void anUnexpectedStatusIsL7sts() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(503).build());

        CheckAnswer answer = check("OPTIONS", "/primary", Duration.ofSeconds(1));

        assertThat(answer.result().status()).isEqualTo("L7STS");
        assertThat(answer.result().code()).isEqualTo(503);
        assertThat(answer.result().detail()).startsWith("503");
    }

    @Test
    void aPrimaryCheckAnswered200ByALeaderStillInRecoveryIsNotUp() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200)
                .body("{\"state\": \"running\", \"role\": \"replica\", \"timeline\": 2}").build());

        CheckAnswer answer = check("GET", "/primary", Duration.ofSeconds(1));

        assertThat(answer.result().status()).isEqualTo("L7STS");
        assertThat(answer.result().code()).isEqualTo(200);
        assertThat(answer.result().detail()).contains("PostgreSQL still in recovery");
    }

    @Test
    void aPrimaryCheckAnswered200WhilePostgresqlStopsIsNotUp() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200)
                .body("{\"state\": \"stopping\", \"role\": \"master\"}").build());

        CheckAnswer answer = check("GET", "/primary", Duration.ofSeconds(1));

        assertThat(answer.result().status()).isEqualTo("L7STS");
        assertThat(answer.result().detail()).endsWith("leader lock held, PostgreSQL stopping");
    }

    @Test
    void aReplicaCheckAnswered200ByAReplicaIsUp() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200)
                .body("{\"state\": \"running\", \"role\": \"replica\"}").build());

        assertThat(check("GET", "/replica?lag=16MB", Duration.ofSeconds(1)).result().status()).isEqualTo("L7OK");
    }

    @Test
    void aGetReadsTheRoleAndTimelineFromPatronisBodyAndCallsMasterPrimary() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200)
                .body("{\"state\": \"running\", \"role\": \"master\", \"timeline\": 3}").build());

        CheckAnswer answer = check("GET", "/primary", Duration.ofSeconds(1));

        assertThat(answer.reportedRole()).isEqualTo("primary");
        assertThat(answer.timeline()).isEqualTo(3);
        assertThat(answer.result().detail()).contains("role primary, timeline 3");
    }

    @Test
    void anOptionsCheckHasNoRoleOrTimeline() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200)
                .body("{\"state\": \"running\", \"role\": \"master\", \"timeline\": 3}").build());

        CheckAnswer answer = check("OPTIONS", "/primary", Duration.ofSeconds(1));

        assertThat(answer.reportedRole()).isNull();
        assertThat(answer.timeline()).isZero();
    }

    @Test
    void aServerThatNeverAnswersIsATimeoutWithinTheCheckTimeout() throws Exception {
        patroni.enqueue(new MockResponse.Builder().onRequestStart(SocketEffect.Stall.INSTANCE).build());

        long start = System.nanoTime();
        CheckAnswer answer = check("OPTIONS", "/primary", Duration.ofMillis(300));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(answer.result().status()).isEqualTo("L4TOUT");
        assertThat(tookMillis).isLessThan(5000);
    }

    @Test
    void aClosedPortIsL4con() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        CheckConfig config = new CheckConfig("OPTIONS", "/primary", 200, Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1, 1);

        CheckAnswer answer = check(config, new HostPort("127.0.0.1", closedPort));

        assertThat(answer.result().status()).isEqualTo("L4CON");
        assertThat(answer.result().code()).isZero();
    }

    @Test
    void aConnectionDroppedMidAnswerIsABadResponse() throws Exception {
        patroni.enqueue(new MockResponse.Builder()
                .onRequestStart(new SocketEffect.CloseSocket(true, false, false)).build());

        CheckAnswer answer = check("OPTIONS", "/primary", Duration.ofSeconds(1));

        assertThat(answer.result().status()).isIn("L7RSP", "L4CON");
        assertThat(answer.result().passed()).isFalse();
    }

    @Test
    void onlyTheTopLevelRoleStateAndTimelineCountNotTheSameNamesNestedBeforeThem() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200)
                .body("{\"replication\": [{\"state\": \"streaming\", \"role\": \"replica\"}],"
                        + " \"xlog\": {\"timeline\": 9}, \"state\": \"running\", \"role\": \"master\", \"timeline\": 3}")
                .build());

        CheckAnswer answer = check("GET", "/primary", Duration.ofSeconds(1));

        assertThat(answer.result().status()).isEqualTo("L7OK");
        assertThat(answer.reportedRole()).isEqualTo("primary");
        assertThat(answer.timeline()).isEqualTo(3);
    }

    @Test
    void aBodyLongerThan64KibIsABadResponse() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200)
                .body("{\"state\": \"running\", \"role\": \"master\", \"pad\": \"" + "x".repeat(70_000) + "\"}")
                .build());

        CheckAnswer answer = check("GET", "/primary", Duration.ofSeconds(1));

        assertThat(answer.result().status()).isEqualTo("L7RSP");
        assertThat(answer.result().detail()).contains("body longer than 65536 bytes");
        assertThat(answer.reportedRole()).isNull();
    }

    @Test
    void anEndlessBodyIsNotReadOnPastTheLimit() throws Exception {
        AtomicLong written = new AtomicLong();
        try (ServerSocket endless = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread writer = new Thread(() -> {
                try (Socket s = endless.accept(); OutputStream out = s.getOutputStream()) {
                    s.getInputStream().read(new byte[4096]);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + (1L << 40)
                            + "\r\n\r\n{\"pad\": \"")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = "x".repeat(65_536).getBytes(StandardCharsets.US_ASCII);
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (System.nanoTime() < end) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // The check closed the connection: what was written until then is the measure.
                }
            });
            writer.start();
            CheckConfig config = new CheckConfig("GET", "/primary", 200, Duration.ofSeconds(1), Duration.ofSeconds(5),
                    1, 1);

            CheckAnswer answer = check(config, new HostPort("127.0.0.1", endless.getLocalPort()));
            writer.join(15_000);

            assertThat(answer.result().status()).isEqualTo("L7RSP");
            // Socket buffers on loopback take a few MiB; reading on to discard the rest took over 100 MiB.
            assertThat(written.get()).as("bytes the endless server got out").isLessThan(16L << 20);
        }
    }

    @Test
    void aBodyThatIsNotJsonOrTooDeepHasNoRoleAndTheStatusDecides() throws Exception {
        patroni.enqueue(new MockResponse.Builder().code(200).body("{\"role\": \"master\"").build());
        patroni.enqueue(new MockResponse.Builder().code(200).body("[".repeat(20_000)).build());

        for (int i = 0; i < 2; i++) {
            CheckAnswer answer = check("GET", "/primary", Duration.ofSeconds(1));

            assertThat(answer.result().status()).isEqualTo("L7OK");
            assertThat(answer.result().detail()).contains("body not JSON");
            assertThat(answer.reportedRole()).isNull();
        }
    }

    @Test
    void aTimelineThatIsNotAWholeNumberWithinALongIsIgnored() throws Exception {
        for (String timeline : new String[] {"99999999999999999999", "-3", "2.5", "\"3\""}) {
            patroni.enqueue(new MockResponse.Builder().code(200)
                    .body("{\"state\": \"running\", \"role\": \"master\", \"timeline\": " + timeline + "}").build());

            CheckAnswer answer = check("GET", "/primary", Duration.ofSeconds(1));

            assertThat(answer.timeline()).as(timeline).isZero();
            assertThat(answer.reportedRole()).isEqualTo("primary");
        }
    }
}
