package dev.patroxy.stats;

import dev.patroxy.stats.StatsConnectionCounters.CloseReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a stats connection whose {@link ConnectionDeadline} runs out. It sits first in the pipeline, so it sees the
 * raw bytes: a request's timeout runs from its first byte, not from the end of its headers.
 */
final class StatsTimeoutHandler extends ChannelDuplexHandler {
    private final ConnectionDeadline deadline;
    private final StatsConnectionCounters counters;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> check;

    StatsTimeoutHandler(ConnectionDeadline deadline, StatsConnectionCounters counters) {
        this.deadline = deadline;
        this.counters = counters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        arm();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        check.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable() && deadline.bytesArrived()) {
            arm();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && deadline.responseTaken()) {
            arm();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        check.cancel(false);
        ctx.fireChannelInactive();
    }

    /** A complete request is being answered. */
    void responding() {
        deadline.responding();
        arm();
    }

    /** Every request read so far is answered. */
    void awaitingRequest() {
        deadline.awaitingRequest();
        arm();
    }

    private void arm() {
        if (check != null) {
            check.cancel(false);
        }
        check = ctx.executor().schedule(this::expireIfDue, deadline.nanosLeft(), TimeUnit.NANOSECONDS);
    }

    private void expireIfDue() {
        if (!ctx.channel().isActive()) {
            return;
        }
        deadline.expired().ifPresentOrElse(phase -> {
            switch (phase) {
                case REQUEST -> counters.closedBecause(CloseReason.REQUEST_TIMEOUT);
                case RESPONSE -> counters.closedBecause(CloseReason.CLIENT_TIMEOUT);
                case KEEP_ALIVE -> { }
            }
            ctx.close();
        }, this::arm);
    }
}
