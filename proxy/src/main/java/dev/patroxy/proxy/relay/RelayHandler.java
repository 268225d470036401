package dev.patroxy.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Copies bytes from its channel to the peer. Reading stops while the peer cannot take more (writability
 * backpressure), a half-close is passed on as a half-close, and idleness past the timeout closes both sides.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    /** The name of each side's {@link IdleStateHandler}, replaced when that side is half-closed. */
    static final String IDLE = "idle";

    private final Channel peer;
    private final Duration peerFinTimeout;
    private final LongConsumer bytesRead;
    private final SessionLog log;
    private final boolean clientSide;

    /**
     * @param peer the other side of the session
     * @param peerFinTimeout the peer's inactivity timeout once this side's end of stream is passed on to it
     *     (HAProxy's {@code timeout client-fin} / {@code server-fin})
     * @param bytesRead told how many bytes each read brought in, for the counters
     * @param log the session's record, told how this side ended
     * @param clientSide whether this handler reads the client
     */
    RelayHandler(Channel peer, Duration peerFinTimeout, LongConsumer bytesRead, SessionLog log, boolean clientSide) {
        this.peer = peer;
        this.peerFinTimeout = peerFinTimeout;
        this.bytesRead = bytesRead;
        this.log = log;
        this.clientSide = clientSide;
    }

    private void ended(boolean timedOut) {
        if (timedOut) {
            log.end(clientSide ? SessionLog.Termination.CLIENT_TIMEOUT : SessionLog.Termination.SERVER_TIMEOUT);
        } else {
            log.end(clientSide ? SessionLog.Termination.CLIENT_CLOSED : SessionLog.Termination.SERVER_CLOSED);
        }
    }

    /** The inactivity timeout of one side, under the name {@link #IDLE}. */
    static IdleStateHandler idleTimeout(Duration timeout) {
        return new IdleStateHandler(0, 0, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        bytesRead.accept(((ByteBuf) msg).readableBytes());
        peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        setReading(peer, ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Pauses or resumes reading {@code channel}. A channel whose input is shut down is left alone: there is
     * nothing more to read, and epoll fails the attempt to re-arm it (ENOENT), which would close the session.
     */
    static void setReading(Channel channel, boolean on) {
        if (!(channel instanceof DuplexChannel duplex) || !duplex.isInputShutdown()) {
            channel.config().setAutoRead(on);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            ended(false);
            DuplexChannel self = (DuplexChannel) ctx.channel();
            DuplexChannel other = (DuplexChannel) peer;
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> other.shutdownOutput().addListener(s -> {
                if (peer.pipeline().get(IDLE) != null) {
                    peer.pipeline().replace(IDLE, IDLE, idleTimeout(peerFinTimeout));
                }
                closeIfBothWaysDone(self, other);
            }));
        } else if (evt instanceof IdleStateEvent) {
            ended(true);
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private static void closeIfBothWaysDone(DuplexChannel a, DuplexChannel b) {
        if (a.isInputShutdown() && b.isOutputShutdown() && b.isInputShutdown() && a.isOutputShutdown()) {
            a.close();
            b.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended(false);
        closeOnFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ended(false);
        ctx.close();
    }

    /** Closes after what is already queued has been written, so the peer gets every byte before the FIN. */
    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
