package dev.patroxy.stats;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a request to its response; HAProxy's stats URIs with the stats uri at {@code /}, plus file-like aliases.
 * Each response renders exactly one snapshot.
 */
final class StatsRoutes {
    static final String HTML_CONTENT_TYPE = "text/html; charset=utf-8";
    /** HAProxy serves its CSV as text/plain, so a browser shows it rather than downloading it. */
    static final String CSV_CONTENT_TYPE = "text/plain; charset=utf-8";
    static final String JSON_CONTENT_TYPE = "application/json";
    private static final String PLAIN_CONTENT_TYPE = "text/plain; charset=utf-8";

    private static final Logger LOG = LoggerFactory.getLogger(StatsRoutes.class);

    private final Supplier<StatsSnapshot> snapshots;
    private final HtmlStatsPage page;
    private final CsvStats csv = new CsvStats();
    private final JsonStats json = new JsonStats();
    private final PrometheusStats prometheus;

    StatsRoutes(Supplier<StatsSnapshot> snapshots, HtmlStatsPage page, PrometheusStats prometheus) {
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.page = Objects.requireNonNull(page, "page");
        this.prometheus = Objects.requireNonNull(prometheus, "prometheus");
    }

    FullHttpResponse respond(HttpMethod method, String uri, String accept) {
        return respond(method, uri, accept, Optional.empty());
    }

    /**
     * @param adminFormToken the token of the admin forms, when the page has admin controls; a POST never reaches
     *     here (see {@link AdminPosts}), so nothing here changes anything
     */
    FullHttpResponse respond(HttpMethod method, String uri, String accept, Optional<String> adminFormToken) {
        Endpoint endpoint = Endpoint.of(path(uri));
        if (endpoint == null) {
            return response(method, HttpResponseStatus.NOT_FOUND, PLAIN_CONTENT_TYPE, "Not Found\n");
        }
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
            FullHttpResponse response =
                    response(method, HttpResponseStatus.METHOD_NOT_ALLOWED, PLAIN_CONTENT_TYPE, "Method Not Allowed\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return response;
        }
        try {
            StatsSnapshot snapshot = snapshots.get();
            return switch (endpoint) {
                case PAGE -> response(method, HttpResponseStatus.OK, HTML_CONTENT_TYPE,
                        page.render(snapshot, adminFormToken, AdminResult.ofPath(path(uri))));
                case CSV -> response(method, HttpResponseStatus.OK, CSV_CONTENT_TYPE, csv.render(snapshot));
                case JSON -> response(method, HttpResponseStatus.OK, JSON_CONTENT_TYPE, json.render(snapshot));
                case METRICS -> {
                    PrometheusStats.Exposition exposition = prometheus.scrape(snapshot, accept);
                    yield response(method, HttpResponseStatus.OK, exposition.contentType(), exposition.body());
                }
            };
        } catch (RuntimeException e) {
            LOG.warn("Cannot render the stats for {}", uri, e);
            return response(method, HttpResponseStatus.INTERNAL_SERVER_ERROR, PLAIN_CONTENT_TYPE,
                    "Internal Server Error\n");
        }
    }

    /** A HEAD response carries the headers of the GET, Content-Length included, and no body. */
    private static FullHttpResponse response(HttpMethod method, HttpResponseStatus status, String contentType,
            String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        boolean head = HttpMethod.HEAD.equals(method);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        return response;
    }

    /** Whether {@code uri} is the HTML page, which the admin form posts to. */
    static boolean isPage(String uri) {
        return Endpoint.of(path(uri)) == Endpoint.PAGE;
    }

    private static String path(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    private enum Endpoint {
        PAGE, CSV, JSON, METRICS;

        static Endpoint of(String path) {
            if (AdminResult.ofPath(path).isPresent()) {
                return PAGE;
            }
            return switch (path) {
                case "/" -> PAGE;
                case "/;csv", "/stats.csv" -> CSV;
                case "/;json", "/stats.json" -> JSON;
                case "/metrics" -> METRICS;
                default -> null;
            };
        }
    }
}
