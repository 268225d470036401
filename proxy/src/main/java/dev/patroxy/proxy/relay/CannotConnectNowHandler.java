package dev.patroxy.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns away a client that no server can take, the way PostgreSQL turns one away while it cannot accept
 * connections: declines TLS and GSSAPI encryption with 'N', answers the startup message with FATAL
 * {@value #CANNOT_CONNECT_NOW} ("cannot_connect_now") and closes. libpq and the drivers show the message and
 * treat the code as a server that is not ready (a multi-host connection string moves on to the next host), where
 * a bare reset reads as a network fault. A cancel request is closed without a word, as PostgreSQL does; anything
 * that is not a PostgreSQL client is closed without an answer.
 *
 * <p>It is the last handler of its channel and reads the client itself. Bytes read before it was added can be
 * fired through the pipeline after it.
 */
final class CannotConnectNowHandler extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(CannotConnectNowHandler.class);
    static final String CANNOT_CONNECT_NOW = "57P03";

    private final String message;
    private final Set<PgStartup.Kind> declined = EnumSet.noneOf(PgStartup.Kind.class);
    private boolean finished;

    /** @param message what the client is told, e.g. "patroxy: no primary for listener primary (held 30 s)" */
    CannotConnectNowHandler(String message) {
        this.message = message;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (finished) {
            in.skipBytes(in.readableBytes());
            return;
        }
        PgStartup.Kind kind = PgStartup.next(in);
        if (kind == null) {
            return;
        }
        switch (kind) {
            case SSL_REQUEST, GSSENC_REQUEST -> {
                // Each may be asked once, as PostgreSQL allows; a client asking again is confused or hostile.
                if (declined.add(kind)) {
                    ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte('N'));
                } else {
                    finish(ctx);
                }
            }
            case STARTUP -> {
                finished = true;
                ctx.writeAndFlush(PgStartup.fatalError(ctx.alloc(), CANNOT_CONNECT_NOW, message))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            default -> finish(ctx);
        }
    }

    /** The client stopped sending before its startup message was complete. */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (!finished) {
            finish(ctx);
        }
    }

    /**
     * A client whose socket went while it was held (turning reads back on then fails in epoll_ctl) cannot be
     * answered: it is closed, and the failure is no error of patroxy's for the log's tail of the pipeline.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: closed while being turned away: {}", ctx.channel().remoteAddress(), cause.toString());
        finished = true;
        ctx.close();
    }

    private void finish(ChannelHandlerContext ctx) {
        finished = true;
        ctx.close();
    }
}
