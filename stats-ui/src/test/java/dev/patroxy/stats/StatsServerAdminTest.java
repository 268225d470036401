package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin controls over loopback: who may post, what a post must carry, and what it does. */
class StatsServerAdminTest {
    private static final MediaType FORM = MediaType.get("application/x-www-form-urlencoded");
    private static final String ALICE = Credentials.basic("alice", "secret");
    private static final Pattern FORM_TOKEN = Pattern.compile("name=\"csrf_token\" value=\"([0-9a-f]+)\"");

    /** One call of the fake actions. */
    private record Call(StatsAdminActions.Action action, String listener, List<String> servers) {
    }

    private final List<Call> calls = new ArrayList<>();
    /** Servers the fake actions refuse, with their error. */
    private final Map<String, String> refusing = new LinkedHashMap<>();
    private final StatsAdminActions actions = (action, listener, servers) -> {
        synchronized (calls) {
            calls.add(new Call(action, listener, List.copyOf(servers)));
        }
        Map<String, String> result = new LinkedHashMap<>();
        servers.forEach(s -> result.put(s, refusing.getOrDefault(s, "")));
        return result;
    };
    private final OkHttpClient client = new OkHttpClient.Builder().followRedirects(false).build();
    private final AdminCredentials credentials =
            new AdminCredentials(Map.of("alice", AdminCredentialsTest.sha512OfSecret()),
                    Optional.of(AdminCredentialsTest.TOKEN));
    private final PrometheusStats prometheus = new PrometheusStats();
    private StatsServer server;
    private String base;

    @BeforeEach
    void start() {
        server = new StatsServer(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                TestSnapshots::sample, Duration.ofSeconds(5), StatsLimits.DEFAULTS, prometheus);
        server.adminActions(actions);
        server.serve(new StatsAccess(Optional.empty(), Set.of(), Optional.of(credentials)));
        server.start();
        InetSocketAddress bound = server.boundAddresses().get(0);
        base = "http://" + bound.getAddress().getHostAddress() + ":" + bound.getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    private Response post(String body, String authorization, Map<String, String> headers) throws IOException {
        Request.Builder request = new Request.Builder().url(base + "/").post(RequestBody.create(body, FORM));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        headers.forEach(request::header);
        return client.newCall(request.build()).execute();
    }

    private String page(String path) throws IOException {
        try (Response response = client.newCall(new Request.Builder().url(base + path).build()).execute()) {
            assertThat(response.code()).isEqualTo(200);
            return response.body().string();
        }
    }

    private String formToken() throws IOException {
        Matcher token = FORM_TOKEN.matcher(page("/"));
        assertThat(token.find()).as("the page's admin form carries the token").isTrue();
        return token.group(1);
    }

    @Test
    void withoutCredentialsAPostIs401AndChangesNothing() throws IOException {
        String body = "s=pg01&action=maint&b=primary&csrf_token=" + formToken();
        try (Response response = post(body, null, Map.of())) {
            assertThat(response.code()).isEqualTo(401);
            assertThat(response.headers("WWW-Authenticate")).containsExactly(
                    "Basic realm=\"patroxy statistics\"", "Bearer realm=\"patroxy statistics\"");
        }
        try (Response response = post(body, Credentials.basic("alice", "wrong"), Map.of())) {
            assertThat(response.code()).isEqualTo(401);
        }
        try (Response response = post(body, "Bearer " + AdminCredentialsTest.TOKEN.replace('0', '1'), Map.of())) {
            assertThat(response.code()).isEqualTo(401);
        }
        assertThat(calls).isEmpty();
        assertThat(prometheus.registry().get("patroxy_stats_unauthorized").tag("request", "admin").counter().count())
                .isEqualTo(3);
    }

    @Test
    void aUserWithTheFormsTokenActsAndIsRedirectedToTheResult() throws IOException {
        String body = "s=pg01&s=pg02&action=drain&b=primary&csrf_token=" + formToken();
        try (Response response = post(body, ALICE, Map.of())) {
            assertThat(response.code()).isEqualTo(303);
            assertThat(response.header("Location")).isEqualTo("/;st=DONE");
        }
        assertThat(calls).containsExactly(new Call(StatsAdminActions.Action.DRAIN, "primary", List.of("pg01", "pg02")));
        assertThat(page("/;st=DONE")).contains("[X]</a> Action processed successfully.")
                .contains("content=\"5; url=/\"");
    }

    @Test
    void haproxysFieldsTakeTheListenersNumberAndSomeServersMayFail() throws IOException {
        refusing.put("pg09", "No such server.");
        String body = "s=pg03&s=pg09&action=shutdown&b=%232";
        try (Response response = post(body, "Bearer " + AdminCredentialsTest.TOKEN, Map.of())) {
            assertThat(response.code()).isEqualTo(303);
            assertThat(response.header("Location")).isEqualTo("/;st=PART");
        }
        assertThat(calls).containsExactly(new Call(StatsAdminActions.Action.SHUTDOWN, "replicas",
                List.of("pg03", "pg09")));
        assertThat(page("/;st=PART")).contains("Action partially processed");
    }

    @Test
    void aBearerTokenNeedsNoFormToken() throws IOException {
        try (Response response = post("s=pg01&action=maint&b=primary", "Bearer " + AdminCredentialsTest.TOKEN,
                Map.of())) {
            assertThat(response.code()).isEqualTo(303);
        }
        assertThat(calls).containsExactly(new Call(StatsAdminActions.Action.MAINT, "primary", List.of("pg01")));
    }

    @Test
    void aUserWithoutTheFormsTokenOrTheSameOriginIs403AndChangesNothing() throws IOException {
        try (Response response = post("s=pg01&action=maint&b=primary", ALICE, Map.of())) {
            assertThat(response.code()).isEqualTo(403);
        }
        try (Response response = post("s=pg01&action=maint&b=primary&csrf_token=" + "0".repeat(64), ALICE,
                Map.of())) {
            assertThat(response.code()).isEqualTo(403);
        }
        try (Response response = post("s=pg01&action=maint&b=primary", ALICE,
                Map.of("Origin", "http://evil.example"))) {
            assertThat(response.code()).isEqualTo(403);
        }
        try (Response response = post("s=pg01&action=maint&b=primary", ALICE,
                Map.of("Origin", base, "Sec-Fetch-Site", "cross-site"))) {
            assertThat(response.code()).isEqualTo(403);
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void aBrowsersSameOriginStandsForTheFormsToken() throws IOException {
        try (Response response = post("s=pg01&action=ready&b=primary", ALICE, Map.of("Origin", base))) {
            assertThat(response.code()).isEqualTo(303);
        }
        try (Response response = post("s=pg02&action=ready&b=primary", ALICE,
                Map.of("Sec-Fetch-Site", "same-origin"))) {
            assertThat(response.code()).isEqualTo(303);
        }
        assertThat(calls).extracting(Call::servers).containsExactly(List.of("pg01"), List.of("pg02"));
    }

    @Test
    void onlyAFormIsTaken() throws IOException {
        Request json = new Request.Builder().url(base + "/").header("Authorization", ALICE)
                .post(RequestBody.create("{\"action\":\"maint\"}", MediaType.get("application/json"))).build();
        try (Response response = client.newCall(json).execute()) {
            assertThat(response.code()).isEqualTo(415);
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void aGetNeverActs() throws IOException {
        assertThat(page("/?s=pg01&action=maint&b=primary&csrf_token=" + formToken())).contains("<form");
        assertThat(calls).isEmpty();
    }

    @Test
    void unknownActionsAndEmptySelectionsChangeNothing() throws IOException {
        String token = formToken();
        try (Response response = post("s=pg01&action=hdown&b=primary&csrf_token=" + token, ALICE, Map.of())) {
            assertThat(response.header("Location")).isEqualTo("/;st=ERRP");
        }
        try (Response response = post("s=pg01&action=maint&b=%239&csrf_token=" + token, ALICE, Map.of())) {
            assertThat(response.header("Location")).isEqualTo("/;st=ERRP");
        }
        try (Response response = post("action=maint&b=primary&csrf_token=" + token, ALICE, Map.of())) {
            assertThat(response.header("Location")).isEqualTo("/;st=NONE");
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void aBodyOverTheLimitIs413() throws IOException {
        try (Response response = post("s=" + "x".repeat(StatsLimits.DEFAULTS.maxRequestLine()), ALICE, Map.of())) {
            assertThat(response.code()).isEqualTo(413);
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void thePageHasTheFormOnlyWithAdminCredentials() throws IOException {
        String withAdmin = page("/");
        assertThat(withAdmin).contains("<form method=\"post\" action=\"/\">")
                .contains("<input type=\"checkbox\" name=\"s\" value=\"pg01\">")
                .contains("<input type=\"checkbox\" name=\"s\" value=\"&lt;x&gt;\">")
                .contains("<option value=\"drain\">Set state to DRAIN</option>")
                .contains("<option value=\"shutdown\">Kill Sessions</option>")
                .contains("<input type=\"hidden\" name=\"b\" value=\"replicas\">");

        server.serve(StatsAccess.OPEN);
        client.connectionPool().evictAll(); // a connection open before keeps what it was served with
        assertThat(page("/")).doesNotContain("<form").doesNotContain("checkbox").doesNotContain("csrf_token");
        try (Response response = post("s=pg01&action=maint&b=primary", "Bearer " + AdminCredentialsTest.TOKEN,
                Map.of())) {
            assertThat(response.code()).as("no POST handling without stats.admin").isEqualTo(405);
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void withReadersToldAdminsMayReadToo() throws IOException {
        server.serve(new StatsAccess(Optional.empty(), Set.of(Credentials.basic("reader", "r")),
                Optional.of(credentials)));
        client.connectionPool().evictAll();
        try (Response anonymous = client.newCall(new Request.Builder().url(base + "/").build()).execute()) {
            assertThat(anonymous.code()).isEqualTo(401);
        }
        try (Response admin = client.newCall(new Request.Builder().url(base + "/;csv").header("Authorization", ALICE)
                .build()).execute()) {
            assertThat(admin.code()).isEqualTo(200);
        }
        try (Response reader = post("s=pg01&action=maint&b=primary", Credentials.basic("reader", "r"),
                Map.of("Origin", base))) {
            assertThat(reader.code()).as("reading is not acting").isEqualTo(401);
        }
        assertThat(calls).isEmpty();
    }
}
