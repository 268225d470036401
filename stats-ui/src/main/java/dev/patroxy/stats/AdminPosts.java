package dev.patroxy.stats;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a POST of the admin form does, in this order: credentials (401 without, nothing changes), the form's
 * content type (415), then that a browser's request comes from the page itself (403 otherwise), then the action, whose
 * outcome a 303 to the page shows. HAProxy's form fields are taken, so scripts written for its page keep working:
 * {@code action}, {@code s} (a server, once for each), {@code b} (the listener: {@code #N}, its {@code iid}, or its
 * name).
 */
final class AdminPosts {
    private static final Logger LOG = LoggerFactory.getLogger(AdminPosts.class);
    /** The hidden field that carries {@link #formToken}. */
    static final String TOKEN_FIELD = "csrf_token";
    private static final String FORM_TYPE = "application/x-www-form-urlencoded";
    /** Far above one listener's servers; what {@link QueryStringDecoder} decodes of a body at most. */
    private static final int MAX_FIELDS = 1024;

    /** A POST to the page: what of its headers counts here, and its body. */
    record Post(String authorization, String contentType, String origin, String fetchSite, String host,
            String remote, byte[] body) {
        Post withBody(byte[] bytes) {
            return new Post(authorization, contentType, origin, fetchSite, host, remote, bytes);
        }
    }

    private final AdminCredentials credentials;
    private final StatsAdminActions actions;
    private final String formToken;
    private final Supplier<StatsSnapshot> snapshots;
    private final String scheme;
    private final StatsConnectionCounters counters;

    /**
     * @param formToken the process's token in every admin form, which a POST without a bearer token must carry unless
     *     its {@code Origin} or {@code Sec-Fetch-Site} says it comes from the page
     * @param tls whether the page is served over HTTPS, which its own origin says
     */
    AdminPosts(AdminCredentials credentials, StatsAdminActions actions, String formToken,
            Supplier<StatsSnapshot> snapshots, boolean tls, StatsConnectionCounters counters) {
        this.credentials = credentials;
        this.actions = actions;
        this.formToken = formToken;
        this.snapshots = snapshots;
        this.scheme = tls ? "https" : "http";
        this.counters = counters;
    }

    String formToken() {
        return formToken;
    }

    /** Whether an {@code Authorization} header may read the page: admins may. */
    boolean mayRead(String authorization) {
        return credentials.verify(authorization).isPresent();
    }

    FullHttpResponse respond(Post post) {
        Optional<AdminCredentials.Admin> admin = credentials.verify(post.authorization());
        if (admin.isEmpty()) {
            counters.unauthorized(StatsConnectionCounters.Refused.ADMIN);
            LOG.warn("stats page: an admin action from {} refused: no valid admin credentials", post.remote());
            return unauthorized();
        }
        String who = admin.get().name() + " from " + post.remote();
        String type = post.contentType() == null ? null : HttpUtil.getMimeType(post.contentType()).toString();
        if (type == null || !type.toLowerCase(Locale.ROOT).equals(FORM_TYPE)) {
            return StatsResponses.plain(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "415 Unsupported Media Type: post the form as " + FORM_TYPE);
        }
        Map<String, List<String>> fields;
        try {
            fields = new QueryStringDecoder(new String(post.body(), StandardCharsets.UTF_8), StandardCharsets.UTF_8,
                    false, MAX_FIELDS).parameters();
        } catch (IllegalArgumentException malformed) {
            return StatsResponses.plain(HttpResponseStatus.BAD_REQUEST);
        }
        if (!admin.get().bearer() && !fromThePage(post, first(fields, TOKEN_FIELD))) {
            LOG.warn("stats page: an admin action by {} refused: neither the form's token nor an Origin or"
                    + " Sec-Fetch-Site of the page itself (a request from another site?)", who);
            return StatsResponses.plain(HttpResponseStatus.FORBIDDEN,
                    "403 Forbidden: post from the stats page, or with a bearer token");
        }
        return redirect(act(who, fields));
    }

    /** The form's token, or a browser's word that the request comes from this page's own origin. */
    private boolean fromThePage(Post post, String token) {
        if (token != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                formToken.getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        if (post.fetchSite() != null) {
            return post.fetchSite().equalsIgnoreCase("same-origin");
        }
        return post.origin() != null && post.host() != null
                && post.origin().equalsIgnoreCase(scheme + "://" + post.host());
    }

    private AdminResult act(String who, Map<String, List<String>> fields) {
        Optional<StatsAdminActions.Action> action = StatsAdminActions.Action.ofFormValue(first(fields, "action"));
        String listener = listener(first(fields, "b"));
        List<String> servers = new ArrayList<>(new LinkedHashSet<>(fields.getOrDefault("s", List.of())));
        servers.removeIf(String::isEmpty);
        if (action.isEmpty() || listener == null) {
            LOG.warn("stats page: {} posted action '{}' on listener '{}': unknown, nothing changed", who,
                    printable(first(fields, "action")), printable(first(fields, "b")));
            return AdminResult.ERRP;
        }
        if (servers.isEmpty()) {
            return AdminResult.NONE;
        }
        Map<String, String> errors = actions.apply(action.get(), listener, servers);
        List<String> failed = servers.stream().filter(s -> !errors.getOrDefault(s, "").isEmpty())
                .map(s -> s + ": " + errors.get(s)).toList();
        String what = printable(action.get().formValue() + " " + listener + "/" + String.join(",", servers));
        if (failed.isEmpty()) {
            LOG.info("stats page: {}: {} done", who, what);
            return AdminResult.DONE;
        }
        LOG.warn("stats page: {}: {} not done for {}", who, what, printable(String.join("; ", failed)));
        return failed.size() == servers.size() ? AdminResult.ERRP : AdminResult.PART;
    }

    /** HAProxy's {@code b}: {@code #N}, the listener's {@code iid} (its place on the page), or a name. */
    private String listener(String b) {
        if (b == null || b.isEmpty()) {
            return null;
        }
        if (!b.startsWith("#")) {
            return b;
        }
        List<ListenerStats> listeners = snapshots.get().listeners();
        try {
            int iid = Integer.parseInt(b.substring(1));
            return iid >= 1 && iid <= listeners.size() ? listeners.get(iid - 1).name() : null;
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    /** What a client posted, as one log line: a line break in a name cannot forge another. */
    private static String printable(String posted) {
        return posted == null ? null : posted.replaceAll("\\p{Cntrl}", "?");
    }

    private static String first(Map<String, List<String>> fields, String name) {
        List<String> values = fields.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Each scheme the credentials take is offered, in the page's realm so that a browser sends its login. */
    private FullHttpResponse unauthorized() {
        FullHttpResponse response = StatsResponses.plain(HttpResponseStatus.UNAUTHORIZED);
        if (credentials.hasUsers()) {
            response.headers().add(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"" + StatsResponses.REALM + "\"");
        }
        if (credentials.hasToken()) {
            response.headers().add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"" + StatsResponses.REALM + "\"");
        }
        return response;
    }

    private static FullHttpResponse redirect(AdminResult result) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER,
                Unpooled.EMPTY_BUFFER);
        response.headers()
                .set(HttpHeaderNames.LOCATION, result.location())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        return response;
    }
}
