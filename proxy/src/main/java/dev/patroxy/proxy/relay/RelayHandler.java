package dev.patroxy.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Copies bytes from its channel to the peer. Reading stops while the peer cannot take more (writability
 * backpressure), a half-close is passed on as a half-close, and idleness past the timeout closes both sides.
 *
 * <p>Inactivity is tracked here rather than with Netty's {@code IdleStateHandler}, which allocates a promise and a
 * listener for every write: a side is active when bytes are read from it or written to it, and one timer per side
 * wakes up only when the timeout could have run out.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private final Duration peerFinTimeout;
    private final LongConsumer bytesRead;
    private final SessionLog log;
    private final boolean clientSide;
    private RelayHandler peerHandler;
    private ChannelHandlerContext ctx;
    private long idleTimeoutNanos;
    private long lastActivityNanos;
    private ScheduledFuture<?> idleCheck;

    /**
     * @param peer the other side of the session
     * @param idleTimeout how long this side may stay inactive (HAProxy's {@code timeout client} / {@code server})
     * @param peerFinTimeout the peer's inactivity timeout once this side's end of stream is passed on to it
     *     (HAProxy's {@code timeout client-fin} / {@code server-fin})
     * @param bytesRead told how many bytes each read brought in, for the counters
     * @param log the session's record, told how this side ended
     * @param clientSide whether this handler reads the client
     */
    RelayHandler(Channel peer, Duration idleTimeout, Duration peerFinTimeout, LongConsumer bytesRead, SessionLog log,
            boolean clientSide) {
        this.peer = peer;
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.peerFinTimeout = peerFinTimeout;
        this.bytesRead = bytesRead;
        this.log = log;
        this.clientSide = clientSide;
    }

    /**
     * Makes each handler count what it writes to the other's channel as activity there, and starts both sides'
     * inactivity clocks: the relay begins now.
     */
    static void link(RelayHandler a, RelayHandler b) {
        a.peerHandler = b;
        b.peerHandler = a;
        long now = a.now();
        a.lastActivityNanos = now;
        b.lastActivityNanos = now;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lastActivityNanos = now();
        scheduleIdleCheck(idleTimeoutNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
    }

    private long now() {
        return ctx.executor().ticker().nanoTime();
    }

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = ctx.executor().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (!ctx.channel().isOpen()) {
            return;
        }
        long remaining = lastActivityNanos + idleTimeoutNanos - now();
        if (remaining > 0) {
            scheduleIdleCheck(remaining);
        } else {
            ended(true);
            ctx.close();
        }
    }

    /** Gives this side a new inactivity timeout, counted from now. */
    private void restartIdleTimeout(Duration timeout) {
        idleTimeoutNanos = timeout.toNanos();
        lastActivityNanos = now();
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        scheduleIdleCheck(idleTimeoutNanos);
    }

    private void ended(boolean timedOut) {
        if (timedOut) {
            log.end(clientSide ? SessionLog.Termination.CLIENT_TIMEOUT : SessionLog.Termination.SERVER_TIMEOUT);
        } else {
            log.end(clientSide ? SessionLog.Termination.CLIENT_CLOSED : SessionLog.Termination.SERVER_CLOSED);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = now();
        lastActivityNanos = now;
        if (peerHandler != null) {
            peerHandler.lastActivityNanos = now;
        }
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
                if (peerHandler != null && peer.isOpen()) {
                    peerHandler.restartIdleTimeout(peerFinTimeout);
                }
                closeIfBothWaysDone(self, other);
            }));
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
