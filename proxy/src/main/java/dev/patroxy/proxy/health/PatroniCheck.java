package dev.patroxy.proxy.health;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.proxy.json.Json;
import dev.patroxy.proxy.tls.ClientTls;
import dev.patroxy.stats.CheckResult;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.Proxy;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionSpec;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * One server's HTTP health check against Patroni's REST API. Every request is complete and its connection is
 * closed afterwards: Patroni serves few connections at once, and an idle kept-alive socket pins one of them.
 */
public final class PatroniCheck implements Probe {
    /** Patroni's roles and states are lower-case words; anything else is not taken into the check's detail. */
    private static final Pattern ROLE = Pattern.compile("[a-z_]{1,40}");
    private static final Pattern STATE = Pattern.compile("[a-z _]{1,40}");
    /** Patroni's status body is about 1 KiB; a longer one is refused rather than read into memory. */
    static final long MAX_BODY = 64 * 1024;
    /** Patroni answers 200 on these while it holds the leader lock, whatever PostgreSQL's own state. */
    private static final Set<String> PRIMARY_PATHS = Set.of("/", "/primary", "/master", "/read-write");
    /**
     * Roles Patroni's body gives a PostgreSQL in recovery: a replica, or a standby cluster's leader (Patroni 3.x and
     * 4.x alike say {@code standby_leader}).
     */
    private static final Set<String> IN_RECOVERY = Set.of("replica", "standby_leader");

    private final OkHttpClient client;
    private final Request request;
    private final int expectStatus;
    private final boolean primaryCheck;
    private final Clock clock;
    /** Over TLS, without a certificate of patroxy's own to show. */
    private final boolean withoutClientCertificate;

    public PatroniCheck(OkHttpClient sharedClient, CheckConfig check, HostPort target, Clock clock) {
        this(sharedClient, new CheckTarget(target, check), clock);
    }

    /**
     * The check of {@code target}, over TLS and with basic authentication if its access says so; a TLS set-up the JDK
     * refuses is an IllegalStateException (the check is then reported as not sent).
     */
    public PatroniCheck(OkHttpClient sharedClient, CheckTarget target, Clock clock) {
        CheckConfig check = target.check();
        Duration timeout = target.deadline();
        OkHttpClient.Builder builder = sharedClient.newBuilder()
                .callTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                // Patroni's REST API speaks HTTP/1.1 only; a check is one request on a connection closed after it.
                .protocols(List.of(Protocol.HTTP_1_1));
        target.access().tls().ifPresent(tls -> ClientTls.configure(builder, tls));
        this.client = builder.build();
        Request.Builder request = new Request.Builder()
                .url(target.url())
                .method(check.method(), null)
                .header("Connection", "close")
                .header("User-Agent", "patroxy-check");
        target.access().auth().ifPresent(auth -> request.header("Authorization",
                Credentials.basic(auth.username(), auth.password().value(), StandardCharsets.UTF_8)));
        this.request = request.build();
        this.withoutClientCertificate = target.access().tls().map(tls -> tls.certificate().isEmpty()).orElse(false);
        this.expectStatus = check.expectStatus();
        this.primaryCheck = PRIMARY_PATHS.contains(check.path().split("\\?", 2)[0]);
        this.clock = clock;
    }

    /**
     * A client for all checks: no connection reuse, no retries, no redirects, no proxy. Plain HTTP only: a client able
     * to speak TLS loads the JDK's trust store when it is built, a good part of patroxy's start time; a check over TLS
     * derives its own from it with the trust of its configuration.
     */
    public static OkHttpClient newSharedClient() {
        return new OkHttpClient.Builder()
                .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT))
                .proxy(Proxy.NO_PROXY)
                .connectionPool(new okhttp3.ConnectionPool(0, 1, TimeUnit.SECONDS))
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .build();
    }

    public String url() {
        return request.url().toString();
    }

    /** Runs the check asynchronously; {@code done} gets the answer on an OkHttp thread. */
    @Override
    public void run(Consumer<CheckAnswer> done) {
        Instant start = clock.instant();
        client.newCall(request).enqueue(new Callback() {
            @Override
            public void onResponse(Call call, Response response) {
                try (response) {
                    done.accept(answer(start, call, response));
                }
            }

            @Override
            public void onFailure(Call call, IOException e) {
                done.accept(new CheckAnswer(failure(start, e), null, 0));
            }
        });
    }

    private CheckAnswer answer(Instant start, Call call, Response response) {
        int code = response.code();
        String role = null;
        String state = null;
        long timeline = 0;
        boolean failsafe = false;
        String detail = code + " " + response.message();
        if (request.method().equals("GET")) {
            Map<String, Object> body;
            try {
                BufferedSource source = response.body().source();
                if (source.request(MAX_BODY + 1)) {
                    // Cancelled, the socket is closed as it is: closing the response would first read on to
                    // discard the rest (OkHttp gives that 100 ms, over a hundred megabytes on a fast link).
                    call.cancel();
                    return new CheckAnswer(result(start, "L7RSP", code, "body longer than " + MAX_BODY + " bytes"),
                            null, 0);
                }
                String text = source.readUtf8();
                body = text.isBlank() ? Map.of() : Json.object(Json.parse(text));
            } catch (IOException e) {
                return new CheckAnswer(result(start, "L7RSP", code, "unreadable body: " + e.getMessage()), null, 0);
            } catch (IllegalArgumentException e) {
                // Not Patroni's status body (a proxy's error page, say): the status code alone decides.
                body = Map.of();
                detail = detail + ", body not JSON";
            }
            // Only the top-level members: the same names recur nested (replication[].state, for one).
            if (body.get("role") instanceof String reported && ROLE.matcher(reported).matches()) {
                role = normalizeRole(reported);
                detail = detail + ", role " + role;
            }
            if (body.get("state") instanceof String reported && STATE.matcher(reported).matches()) {
                state = reported;
            }
            if (body.get("timeline") instanceof Long reported && reported > 0) {
                timeline = reported;
                detail = detail + ", timeline " + timeline;
            }
            if (Boolean.TRUE.equals(body.get("failsafe_mode_is_active"))) {
                failsafe = true;
                detail = detail + ", failsafe mode active";
            }
        }
        if (code != expectStatus && (code == 401 || code == 403)) {
            // The API refuses patroxy, which says nothing about the node's role: a failure, not Patroni's "not now".
            return new CheckAnswer(result(start, "L7RSP", code, detail + ": the REST API refuses the check"
                    + (code == 401 ? " (credentials missing or wrong: check-auth)" : "")), null, 0);
        }
        String status = code == expectStatus ? "L7OK" : "L7STS";
        if (status.equals("L7OK") && primaryCheck && role != null && IN_RECOVERY.contains(role)) {
            // Patroni answers 200 as soon as it holds the leader lock; its body reads PostgreSQL, which may still
            // be in recovery (promotion under way). A session routed now would land on a read-only node.
            status = "L7STS";
            detail = detail + ": leader lock held, PostgreSQL still in recovery";
        } else if (status.equals("L7OK") && primaryCheck && state != null && !state.equals("running")) {
            // Still the lock holder, but PostgreSQL is stopping (a switchover) or starting: it refuses sessions.
            status = "L7STS";
            detail = detail + ": leader lock held, PostgreSQL " + state;
        }
        return new CheckAnswer(result(start, status, code, detail.trim()), role, timeline, failsafe);
    }

    private CheckResult failure(Instant start, IOException e) {
        String status;
        if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
            status = "L4CON";
        } else if (e instanceof SSLException) {
            // HAProxy's "Layer6 invalid response": the TLS handshake failed (an unknown CA, a host name the
            // certificate does not name, a client certificate the server wants and did not get or refused).
            status = "L6RSP";
        } else if (e instanceof SocketTimeoutException || e instanceof InterruptedIOException) {
            status = "L4TOUT";
        } else {
            status = "L7RSP";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (status.equals("L7RSP") && withoutClientCertificate && (e instanceof SocketException
                || message.startsWith("unexpected end of stream"))) {
            // Under TLS 1.3 a server that requires a client certificate may just close the connection after the
            // handshake, before its alert can be read: a reset, or the end of the stream.
            message = message + " (if the REST API requires a client certificate, give it: check-tls cert-file)";
        }
        return result(start, status, 0, message);
    }

    private CheckResult result(Instant start, String status, int code, String detail) {
        Instant end = clock.instant();
        return new CheckResult(status, code, Duration.between(start, end), detail, end);
    }

    /** Patroni before 4.0 says "master"; patroxy says "primary" throughout. */
    static String normalizeRole(String role) {
        return role.equals("master") ? "primary" : role;
    }
}
