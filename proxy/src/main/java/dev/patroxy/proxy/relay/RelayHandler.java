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

/**
 * Copies bytes from its channel to the peer. Reading stops while the peer cannot take more (writability
 * backpressure), a half-close is passed on as a half-close, and idleness past the timeout closes both sides.
 *
 * <p>Inactivity is tracked here rather than with Netty's {@code IdleStateHandler}, which allocates a promise and a
 * listener for every write: a side is active when bytes are read from it or written to it, and one timer per
 * session, owned by the client side, wakes up only when either side's timeout could have run out.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    /** Far enough to be never, near enough that adding it to a {@link System#nanoTime} reading cannot overflow. */
    private static final long NEVER_NANOS = Duration.ofDays(3650).toNanos();
    private final Duration peerFinTimeout;
    private final SessionCounters counters;
    private final boolean clientSide;
    private RelayHandler peerHandler;
    private ChannelHandlerContext ctx;
    private long idleTimeoutNanos;
    private long lastActivityNanos;
    private Runnable idleCheckTask;
    private ScheduledFuture<?> idleCheck;

    /**
     * @param peer the other side of the session
     * @param idleTimeout how long this side may stay inactive (HAProxy's {@code timeout client} / {@code server})
     * @param peerFinTimeout the peer's inactivity timeout once this side's end of stream is passed on to it
     *     (HAProxy's {@code timeout client-fin} / {@code server-fin})
     * @param counters told how many bytes each read brought in; its log is told how this side ended
     * @param clientSide whether this handler reads the client
     */
    RelayHandler(Channel peer, Duration idleTimeout, Duration peerFinTimeout, SessionCounters counters,
            boolean clientSide) {
        this.peer = peer;
        this.idleTimeoutNanos = nanosOrNever(idleTimeout);
        this.peerFinTimeout = peerFinTimeout;
        this.counters = counters;
        this.clientSide = clientSide;
    }

    /**
     * Makes each handler count what it writes to the other's channel as activity there, and starts the session's
     * inactivity timer: the relay begins now. Both channels must be on one event loop.
     */
    static void link(RelayHandler client, RelayHandler server) {
        client.peerHandler = server;
        server.peerHandler = client;
        long now = client.now();
        client.lastActivityNanos = now;
        server.lastActivityNanos = now;
        client.idleCheckTask = client::checkIdle;
        client.scheduleIdleCheck(Math.min(client.idleTimeoutNanos, server.idleTimeoutNanos));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
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
        idleCheck = ctx.executor().schedule(idleCheckTask, delayNanos, TimeUnit.NANOSECONDS);
    }

    private long idleNanosLeft(long now) {
        return lastActivityNanos + idleTimeoutNanos - now;
    }

    /** Runs on the client side's handler: closes whichever side ran out of time, else sleeps until one could. */
    private void checkIdle() {
        if (!ctx.channel().isOpen()) {
            return;
        }
        long now = now();
        long clientLeft = idleNanosLeft(now);
        long serverLeft = peerHandler.idleNanosLeft(now);
        if (clientLeft <= 0) {
            timedOut();
        } else if (serverLeft <= 0) {
            peerHandler.timedOut();
        } else {
            scheduleIdleCheck(Math.min(clientLeft, serverLeft));
        }
    }

    private void timedOut() {
        ended(true);
        ctx.close();
    }

    /** Zero is {@code none}: no inactivity limit (TCP keep-alive still finds a peer that is gone). */
    private static long nanosOrNever(Duration timeout) {
        return timeout.isZero() ? NEVER_NANOS : timeout.toNanos();
    }

    /** Gives this side a new inactivity timeout, counted from now, and wakes the session's timer in time for it. */
    private void restartIdleTimeout(Duration timeout) {
        idleTimeoutNanos = nanosOrNever(timeout);
        lastActivityNanos = now();
        RelayHandler owner = clientSide ? this : peerHandler;
        if (owner.idleCheck != null && owner.idleCheck.cancel(false)) {
            owner.checkIdle();
        }
    }

    private void ended(boolean timedOut) {
        if (timedOut) {
            counters.log().end(
                    clientSide ? SessionLog.Termination.CLIENT_TIMEOUT : SessionLog.Termination.SERVER_TIMEOUT);
        } else {
            counters.log().end(
                    clientSide ? SessionLog.Termination.CLIENT_CLOSED : SessionLog.Termination.SERVER_CLOSED);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = now();
        lastActivityNanos = now;
        if (peerHandler != null) {
            peerHandler.lastActivityNanos = now;
        }
        int bytes = ((ByteBuf) msg).readableBytes();
        if (clientSide) {
            counters.fromClient(bytes);
        } else {
            counters.toClient(bytes);
        }
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
