package dev.patroxy.stats;

import dev.patroxy.stats.StatsConnectionCounters.CloseReason;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.AsciiString;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request at a time. Auto-read is off: the socket is read only while no response is in flight, so a
 * client that pipelines requests and reads nothing gets its requests parsed at most one socket read ahead, and at
 * most one response waits in the outbound buffer. Requests parsed from that one read wait here, a few fields each,
 * until their turn. Request bodies are skipped, never kept, but that of a POST of the admin form, which is kept up to
 * {@code maxBody} bytes (beyond, 413 and close) for {@link AdminPosts}. Keep-alive is left to the
 * {@code HttpServerKeepAliveHandler} before this handler.
 */
final class StatsHttpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(StatsHttpHandler.class);
    /** A browser's word on where a request comes from: {@code same-origin} for the page's own form. */
    private static final AsciiString SEC_FETCH_SITE = AsciiString.cached("sec-fetch-site");

    /** A request read to its end and waiting for its answer. */
    private sealed interface Pending {
    }

    /** A request for {@link StatsRoutes}; {@code http10KeepAlive} when an HTTP/1.0 client asked to keep the connection. */
    private record Routed(HttpMethod method, String uri, String accept, boolean http10KeepAlive, boolean authorized)
            implements Pending {
    }

    /** A POST of the admin form, its body complete once its last content is read. */
    private record Posted(AdminPosts.Post post, boolean http10KeepAlive) implements Pending {
    }

    /** A request refused: the answer says why and the connection closes. */
    private record Refused(HttpResponseStatus status, CloseReason reason) implements Pending {
    }

    private final StatsRoutes routes;
    private final int maxHeaders;
    private final StatsTimeoutHandler timeouts;
    private final StatsConnectionCounters counters;
    /** The {@code Authorization} values that may read; none: anyone may. */
    private final Set<String> authorizations;
    /** The admin controls, or null when the page has none. */
    private final AdminPosts adminPosts;
    private final int maxBody;
    private final Queue<Pending> pending = new ArrayDeque<>();
    /** The request whose headers were read and whose body, if any, is still being skipped or kept. */
    private Pending reading;
    /** What was read of a {@link Posted} request's body. */
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    /** Once a request is refused, nothing after it is looked at. */
    private boolean refused;
    /** The client's address, which the log of an admin action names. */
    private String remote = "";
    private boolean responding;
    /** Responses written and not yet flushed: the bound this handler keeps is one. */
    private int inFlight;

    /**
     * @param adminPosts the admin controls, or null for none
     * @param maxBody the most bytes of an admin form's body
     */
    StatsHttpHandler(StatsRoutes routes, int maxHeaders, StatsTimeoutHandler timeouts,
            StatsConnectionCounters counters, Set<String> authorizations, AdminPosts adminPosts, int maxBody) {
        this.routes = routes;
        this.maxHeaders = maxHeaders;
        this.timeouts = timeouts;
        this.counters = counters;
        this.authorizations = authorizations;
        this.adminPosts = adminPosts;
        this.maxBody = maxBody;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        remote = String.valueOf(ctx.channel().remoteAddress());
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!refused && msg instanceof HttpObject http) {
                take(http);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (!responding && !pending.isEmpty()) {
            respondNext(ctx);
        }
    }

    private void take(HttpObject http) {
        if (http instanceof HttpRequest request) {
            body.reset();
            reading = pendingFor(request);
        }
        if (http.decoderResult().isFailure() && !(reading instanceof Refused)) {
            reading = refusalFor(http.decoderResult());
        }
        if (reading instanceof Posted posted && http instanceof HttpContent content) {
            reading = keep(posted, content);
        }
        if (reading instanceof Refused || http instanceof LastHttpContent && reading != null) {
            refused = reading instanceof Refused;
            pending.add(reading);
            reading = null;
        }
    }

    private Pending pendingFor(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return refusalFor(request.decoderResult());
        }
        if (request.headers().size() > maxHeaders) {
            return new Refused(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, CloseReason.TOO_MANY_HEADERS);
        }
        boolean http10KeepAlive = HttpUtil.isKeepAlive(request) && !request.protocolVersion().isKeepAliveDefault();
        HttpHeaders headers = request.headers();
        if (adminPosts != null && HttpMethod.POST.equals(request.method()) && StatsRoutes.isPage(request.uri())) {
            if (HttpUtil.getContentLength(request, 0L) > maxBody) {
                return new Refused(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, CloseReason.BODY_TOO_LARGE);
            }
            return new Posted(new AdminPosts.Post(headers.get(HttpHeaderNames.AUTHORIZATION),
                    headers.get(HttpHeaderNames.CONTENT_TYPE), headers.get(HttpHeaderNames.ORIGIN),
                    headers.get(SEC_FETCH_SITE), headers.get(HttpHeaderNames.HOST), remote, new byte[0]),
                    http10KeepAlive);
        }
        return new Routed(request.method(), request.uri(), headers.get(HttpHeaderNames.ACCEPT),
                http10KeepAlive, authorized(headers.get(HttpHeaderNames.AUTHORIZATION)));
    }

    /** A piece of an admin form's body; the whole body once its last piece came. */
    private Pending keep(Posted posted, HttpContent content) {
        int bytes = content.content().readableBytes();
        if (body.size() + bytes > maxBody) {
            return new Refused(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, CloseReason.BODY_TOO_LARGE);
        }
        body.writeBytes(ByteBufUtil.getBytes(content.content()));
        return content instanceof LastHttpContent
                ? new Posted(posted.post().withBody(body.toByteArray()), posted.http10KeepAlive())
                : posted;
    }

    /**
     * Compared in constant time, so that the answer's timing does not tell how much of a password was right. Those who
     * may use the admin controls may read too.
     */
    private boolean authorized(String authorization) {
        if (authorizations.isEmpty()) {
            return true;
        }
        byte[] given = (authorization == null ? "" : authorization).getBytes(StandardCharsets.UTF_8);
        boolean found = false;
        for (String accepted : authorizations) {
            found |= MessageDigest.isEqual(given, accepted.getBytes(StandardCharsets.UTF_8));
        }
        return found || adminPosts != null && authorization != null && adminPosts.mayRead(authorization);
    }

    private static Refused refusalFor(DecoderResult result) {
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            return new Refused(HttpResponseStatus.REQUEST_URI_TOO_LONG, CloseReason.REQUEST_LINE_TOO_LONG);
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Refused(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, CloseReason.HEADERS_TOO_LARGE);
        }
        LOG.debug("Malformed stats request", cause);
        return new Refused(HttpResponseStatus.BAD_REQUEST, CloseReason.BAD_REQUEST);
    }

    /** A partial request needs more bytes, and nothing is in flight: read on. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!responding && pending.isEmpty() && !refused) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    private void respondNext(ChannelHandlerContext ctx) {
        Pending next = pending.remove();
        FullHttpResponse response = next instanceof Routed r ? routed(r)
                : next instanceof Posted p ? posted(p)
                : refusal((Refused) next);
        responding = true;
        counters.responsesInFlight(++inFlight);
        timeouts.responding();
        ChannelFuture written = ctx.writeAndFlush(response);
        written.addListener(done -> {
            inFlight--;
            responding = false;
            if (next instanceof Refused r) {
                counters.closedBecause(r.reason());
                ctx.close();
            } else if (!done.isSuccess()) {
                ctx.close();
            } else if (ctx.channel().isActive()) {
                if (pending.isEmpty()) {
                    timeouts.awaitingRequest();
                    ctx.read();
                } else {
                    respondNext(ctx);
                }
            }
        });
    }

    private FullHttpResponse routed(Routed request) {
        Optional<String> formToken = adminPosts == null ? Optional.empty() : Optional.of(adminPosts.formToken());
        return keptAlive(request.authorized()
                ? routes.respond(request.method(), request.uri(), request.accept(), formToken)
                : unauthorized(), request.http10KeepAlive());
    }

    private FullHttpResponse posted(Posted request) {
        return keptAlive(adminPosts.respond(request.post()), request.http10KeepAlive());
    }

    /** An HTTP/1.0 client keeps the connection open only when the response says so. */
    private static FullHttpResponse keptAlive(FullHttpResponse response, boolean http10KeepAlive) {
        if (http10KeepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return response;
    }

    /** HAProxy's answer without the right {@code stats auth} credentials; the connection stays open. */
    private FullHttpResponse unauthorized() {
        counters.unauthorized(StatsConnectionCounters.Refused.READ);
        FullHttpResponse response = StatsResponses.plain(HttpResponseStatus.UNAUTHORIZED);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"" + StatsResponses.REALM + "\"");
        return response;
    }

    private static FullHttpResponse refusal(Refused refused) {
        FullHttpResponse response = StatsResponses.plain(refused.status(), refused.status().reasonPhrase());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Stats connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
