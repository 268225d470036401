package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What {@link PatroniCheck} makes of Patroni's answers, endpoint by endpoint, for the bodies Patroni 3.x ({@code
 * master}) and 4.x ({@code primary}) send in each mode: failsafe, standby cluster, {@code nofailover} and {@code
 * noloadbalance} tags. The status codes are those Patroni's {@code RestApiHandler.do_GET} gives the node the body
 * describes; an {@code OPTIONS} or {@code HEAD} answer is the status line alone, as Patroni writes it. The bodies are
 * the fuzz test's seeds. The answer is made by an OkHttp interceptor, so no socket is opened.
 */
class PatroniEndpointsTest {
    private static final String BODIES = "/dev/patroxy/proxy/health/PatroniBodyFuzzTestInputs/anyBodyIsACheckResult/";
    private static final MediaType JSON = MediaType.get("application/json");
    private static final OkHttpClient SHARED = PatroniCheck.newSharedClient();

    /** Patroni's answer to {@code method path} on the node {@code body} describes, {@code code} its status. */
    static CheckAnswer answer(String body, String method, String path, int code) {
        return answer(method, path, code, method.equals("GET") ? body(body) : new byte[0]);
    }

    static CheckAnswer answer(String method, String path, int code, byte[] bytes) {
        OkHttpClient answering = SHARED.newBuilder()
                .addInterceptor(chain -> new Response.Builder().request(chain.request()).protocol(Protocol.HTTP_1_1)
                        .code(code).message(code == 200 ? "OK" : "Service Unavailable")
                        .body(ResponseBody.create(bytes, JSON)).build())
                .build();
        CheckConfig check = new CheckConfig(method, path, 200, Duration.ofSeconds(3), Duration.ofSeconds(5), 2, 3);
        CompletableFuture<CheckAnswer> done = new CompletableFuture<>();
        new PatroniCheck(answering, check, new HostPort("127.0.0.1", 8008), Clock.systemUTC()).run(done::complete);
        try {
            return done.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] body(String name) {
        try (InputStream in = PatroniEndpointsTest.class.getResourceAsStream(BODIES + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}: {1} {2} answered {3} is {4}")
    @CsvSource(textBlock = """
            # body,                                method,  path,               code, status, role,           failsafe
            patroni-4-primary.json,                  GET,     /primary,           200,  L7OK,   primary,        false
            patroni-4-primary.json,                  GET,     /,                  200,  L7OK,   primary,        false
            patroni-4-primary.json,                  GET,     /leader,            200,  L7OK,   primary,        false
            patroni-4-primary.json,                  GET,     /read-only,         200,  L7OK,   primary,        false
            patroni-4-primary.json,                  GET,     /replica,           503,  L7STS,  primary,        false
            patroni-4-primary.json,                  GET,     /standby-leader,    503,  L7STS,  primary,        false
            patroni-4-primary.json,                  OPTIONS, /primary,           200,  L7OK,   ,               false
            patroni-4-paused-pending-restart.json,   GET,     /primary,           200,  L7OK,   primary,        false
            patroni-4-stopping.json,                 GET,     /primary,           200,  L7STS,  primary,        false
            patroni-4-leader-still-in-recovery.json, GET,     /primary,           200,  L7STS,  replica,        false
            patroni-4-leader-still-in-recovery.json, GET,     /leader,            200,  L7OK,   replica,        false
            patroni-4-replica.json,                  GET,     /replica,           200,  L7OK,   replica,        false
            patroni-4-replica.json,                  GET,     /replica?lag=16MB,  200,  L7OK,   replica,        false
            patroni-4-replica.json,                  GET,     /replica?lag=1kB,   503,  L7STS,  replica,        false
            patroni-4-replica.json,                  GET,     /primary,           503,  L7STS,  replica,        false
            patroni-4-replica.json,                  GET,     /leader,            503,  L7STS,  replica,        false
            patroni-4-replica.json,                  OPTIONS, /replica,           200,  L7OK,   ,               false
            patroni-4-sync-standby.json,             GET,     /sync,              200,  L7OK,   replica,        false
            patroni-4-sync-standby.json,             GET,     /async,             503,  L7STS,  replica,        false
            patroni-3-master.json,                   GET,     /master,            200,  L7OK,   primary,        false
            patroni-3-master.json,                   GET,     /primary,           200,  L7OK,   primary,        false
            patroni-3-master.json,                   HEAD,    /master,            200,  L7OK,   ,               false
            patroni-3-replica.json,                  GET,     /replica,           200,  L7OK,   replica,        false
            patroni-3-replica.json,                  GET,     /master,            503,  L7STS,  replica,        false
            patroni-3-starting.json,                 GET,     /replica,           503,  L7STS,  replica,        false
            # failsafe: the DCS is out of reach, the primary goes on; replicas hear of it from the primary
            patroni-4-failsafe-primary.json,         GET,     /primary,           200,  L7OK,   primary,        true
            patroni-4-failsafe-primary.json,         OPTIONS, /primary,           200,  L7OK,   ,               false
            patroni-4-failsafe-primary.json,         HEAD,    /primary,           200,  L7OK,   ,               false
            patroni-4-failsafe.json,                 GET,     /replica,           200,  L7OK,   replica,        true
            patroni-4-failsafe.json,                 GET,     /primary,           503,  L7STS,  replica,        true
            patroni-3-failsafe-master.json,          GET,     /master,            200,  L7OK,   primary,        true
            patroni-3-failsafe-replica.json,         GET,     /master,            503,  L7STS,  replica,        true
            patroni-3-unlocked-master.json,          GET,     /master,            200,  L7OK,   primary,        false
            # standby cluster: the standby leader answers /standby-leader and /leader, never /primary nor /replica
            patroni-3-standby-leader.json,           GET,     /standby-leader,    200,  L7OK,   standby_leader, false
            patroni-3-standby-leader.json,           GET,     /standby_leader,    200,  L7OK,   standby_leader, false
            patroni-3-standby-leader.json,           GET,     /leader,            200,  L7OK,   standby_leader, false
            patroni-3-standby-leader.json,           GET,     /primary,           503,  L7STS,  standby_leader, false
            patroni-3-standby-leader.json,           GET,     /replica,           503,  L7STS,  standby_leader, false
            patroni-3-standby-leader.json,           OPTIONS, /standby-leader,    200,  L7OK,   ,               false
            patroni-standby-leader.json,             GET,     /standby-leader,    200,  L7OK,   standby_leader, false
            patroni-3-standby-replica.json,          GET,     /standby-leader,    503,  L7STS,  replica,        false
            patroni-3-standby-replica.json,          GET,     /replica,           200,  L7OK,   replica,        false
            patroni-4-standby-replica.json,          GET,     /replica,           200,  L7OK,   replica,        false
            patroni-4-standby-replica.json,          GET,     /standby-leader,    503,  L7STS,  replica,        false
            # noloadbalance: every replica endpoint says 503; nofailover changes no answer
            patroni-3-noloadbalance-replica.json,    GET,     /replica,           503,  L7STS,  replica,        false
            patroni-3-noloadbalance-replica.json,    OPTIONS, /replica,           503,  L7STS,  ,               false
            patroni-3-noloadbalance-replica.json,    GET,     /read-only,         503,  L7STS,  replica,        false
            patroni-3-noloadbalance-replica.json,    GET,     /health,            200,  L7OK,   replica,        false
            patroni-4-noloadbalance-replica.json,    GET,     /replica?lag=16MB,  503,  L7STS,  replica,        false
            patroni-4-noloadbalance-replica.json,    GET,     /async,             503,  L7STS,  replica,        false
            patroni-3-nofailover-replica.json,       GET,     /replica,           200,  L7OK,   replica,        false
            patroni-3-nofailover-replica.json,       GET,     /master,            503,  L7STS,  replica,        false
            patroni-4-nofailover-primary.json,       GET,     /primary,           200,  L7OK,   primary,        false
            """)
    void eachEndpointsAnswerIsAState(String body, String method, String path, int code, String status, String role,
            boolean failsafe) {
        CheckAnswer answer = answer(body, method, path, code);

        assertThat(answer.result().status()).isEqualTo(status);
        assertThat(answer.result().code()).isEqualTo(code);
        assertThat(answer.reportedRole()).isEqualTo(role);
        assertThat(answer.failsafeActive()).isEqualTo(failsafe);
        assertThat(answer.result().detail().contains("failsafe mode active")).isEqualTo(failsafe);
    }

    @Test
    void aPrimaryPathAnswered200ByAStandbyLeaderIsNotUp() {
        // Patroni answers 503 there in a standby cluster; a 200 would route writes to a node in recovery.
        CheckAnswer answer = answer("patroni-3-standby-leader.json", "GET", "/primary", 200);

        assertThat(answer.result().status()).isEqualTo("L7STS");
        assertThat(answer.result().detail()).contains("PostgreSQL still in recovery");
    }

    @Test
    void onlyATrueFlagIsFailsafe() {
        CheckAnswer text = answerOf("\"failsafe_mode_is_active\": \"true\"");
        CheckAnswer nested = answerOf("\"x\": {\"failsafe_mode_is_active\": true}");
        CheckAnswer off = answerOf("\"failsafe_mode_is_active\": false");

        assertThat(text.failsafeActive()).isFalse();
        assertThat(nested.failsafeActive()).isFalse();
        assertThat(off.failsafeActive()).isFalse();
    }

    /** A primary's answer to {@code GET /primary} with {@code members} added to its body. */
    private static CheckAnswer answerOf(String members) {
        String json = "{\"state\": \"running\", \"role\": \"primary\", " + members + "}";
        return answer("GET", "/primary", 200, json.getBytes(StandardCharsets.UTF_8));
    }
}
