package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Any body Patroni's REST API answers a GET check with: {@link PatroniCheck} turns it into a check result, never
 * an exception (a body beyond its limit is a bad response), and a primary check whose body says {@code replica} or
 * {@code standby_leader} (PostgreSQL in recovery) is never up. The answer is made by an OkHttp interceptor, so no
 * socket is opened.
 */
class PatroniBodyFuzzTest {
    private static final MediaType JSON = MediaType.get("application/json");
    private static final CheckConfig PRIMARY_CHECK =
            new CheckConfig("GET", "/primary", 200, Duration.ofSeconds(3), Duration.ofSeconds(5), 2, 3);
    private static final OkHttpClient SHARED = PatroniCheck.newSharedClient();

    @FuzzTest
    void anyBodyIsACheckResult(byte[] body) throws Exception {
        OkHttpClient answering = SHARED.newBuilder()
                .addInterceptor(chain -> new Response.Builder().request(chain.request()).protocol(Protocol.HTTP_1_1)
                        .code(200).message("OK").body(ResponseBody.create(body, JSON)).build())
                .build();
        CompletableFuture<CheckAnswer> done = new CompletableFuture<>();
        new PatroniCheck(answering, PRIMARY_CHECK, new HostPort("127.0.0.1", 8008), Clock.systemUTC())
                .run(done::complete);
        CheckAnswer answer = done.get(30, TimeUnit.SECONDS);

        assertThat(answer.result().code()).isEqualTo(200);
        if (body.length > PatroniCheck.MAX_BODY) {
            assertThat(answer.result().status()).isEqualTo("L7RSP");
            return;
        }
        assertThat(answer.result().status()).isIn("L7OK", "L7STS");
        assertThat(answer.timeline()).isNotNegative();
        if (answer.reportedRole() != null) {
            assertThat(answer.reportedRole()).matches("[a-z_]+").isNotEqualTo("master");
            assertThat(answer.result().detail()).contains("role " + answer.reportedRole());
        }
        if ("replica".equals(answer.reportedRole()) || "standby_leader".equals(answer.reportedRole())) {
            assertThat(answer.result().status()).as("a leader still in recovery is not a primary").isEqualTo("L7STS");
        }
    }
}
