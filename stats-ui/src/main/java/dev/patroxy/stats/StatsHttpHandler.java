package dev.patroxy.stats;

import dev.patroxy.stats.StatsConnectionCounters.CloseReason;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request at a time. Auto-read is off: the socket is read only while no response is in flight, so a
 * client that pipelines requests and reads nothing gets its requests parsed at most one socket read ahead, and at
 * most one response waits in the outbound buffer. Requests parsed from that one read wait here, a few fields each,
 * until their turn. Request bodies are skipped, never kept. Keep-alive is left to the
 * {@code HttpServerKeepAliveHandler} before this handler.
 */
final class StatsHttpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(StatsHttpHandler.class);

    /** A request read to its end and waiting for its answer. */
    private sealed interface Pending {
    }

    /** A request for {@link StatsRoutes}; {@code http10KeepAlive} when an HTTP/1.0 client asked to keep the connection. */
    private record Routed(HttpMethod method, String uri, String accept, boolean http10KeepAlive, boolean authorized)
            implements Pending {
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
    private final Queue<Pending> pending = new ArrayDeque<>();
    /** The request whose headers were read and whose body, if any, is still being skipped. */
    private Pending reading;
    /** Once a request is refused, nothing after it is looked at. */
    private boolean refused;
    private boolean responding;
    /** Responses written and not yet flushed: the bound this handler keeps is one. */
    private int inFlight;

    StatsHttpHandler(StatsRoutes routes, int maxHeaders, StatsTimeoutHandler timeouts,
            StatsConnectionCounters counters, Set<String> authorizations) {
        this.routes = routes;
        this.maxHeaders = maxHeaders;
        this.timeouts = timeouts;
        this.counters = counters;
        this.authorizations = authorizations;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
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
            reading = pendingFor(request);
        }
        if (http.decoderResult().isFailure() && !(reading instanceof Refused)) {
            reading = refusalFor(http.decoderResult());
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
        return new Routed(request.method(), request.uri(), request.headers().get(HttpHeaderNames.ACCEPT),
                http10KeepAlive, authorized(request.headers().get(HttpHeaderNames.AUTHORIZATION)));
    }

    /** Compared in constant time, so that the answer's timing does not tell how much of a password was right. */
    private boolean authorized(String authorization) {
        if (authorizations.isEmpty()) {
            return true;
        }
        byte[] given = (authorization == null ? "" : authorization).getBytes(StandardCharsets.UTF_8);
        boolean found = false;
        for (String accepted : authorizations) {
            found |= MessageDigest.isEqual(given, accepted.getBytes(StandardCharsets.UTF_8));
        }
        return found;
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
        FullHttpResponse response = next instanceof Routed r ? routed(r) : refusal((Refused) next);
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
        FullHttpResponse response = request.authorized()
                ? routes.respond(request.method(), request.uri(), request.accept())
                : unauthorized();
        if (request.http10KeepAlive()) {
            // An HTTP/1.0 client keeps the connection open only when the response says so.
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return response;
    }

    /** HAProxy's answer without the right {@code stats auth} credentials; the connection stays open. */
    private static FullHttpResponse unauthorized() {
        byte[] body = "401 Unauthorized\n".getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.UNAUTHORIZED,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"patroxy statistics\"");
        return response;
    }

    private static FullHttpResponse refusal(Refused refused) {
        byte[] body = (refused.status().reasonPhrase() + "\n").getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, refused.status(),
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Stats connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
