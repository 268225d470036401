package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.sched.LogThrottle;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a listening socket: an accept that fails (most often out of file descriptors, EMFILE) stops accepting on that
 * socket for {@link #PAUSE}, so that the event loop does not spin on a backlog it cannot take, and says so in one
 * line at most every {@link #LOG_EVERY}, instead of a stack trace per failed accept. Accepting resumes through
 * {@code resume}, which applies the listener's own limits.
 */
@ChannelHandler.Sharable
final class AcceptFailures extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AcceptFailures.class);
    static final Duration PAUSE = Duration.ofSeconds(1);
    private static final Duration LOG_EVERY = Duration.ofSeconds(10);

    private final String listener;
    private final Runnable resume;
    private final LogThrottle throttle = new LogThrottle(LOG_EVERY);

    AcceptFailures(String listener, Runnable resume) {
        this.listener = listener;
        this.resume = resume;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(resume, PAUSE.toNanos(), TimeUnit.NANOSECONDS);
        report(ctx, cause);
    }

    private void report(ChannelHandlerContext ctx, Throwable cause) {
        long unlogged = throttle.pass(System.nanoTime());
        if (unlogged < 0) {
            return;
        }
        String more = unlogged == 0 ? "" : " (" + unlogged + " more since the last line)";
        log.warn("{}: accepting on {} failed: {}; paused {} ms{}", listener, ctx.channel().localAddress(), cause,
                PAUSE.toMillis(), more);
    }
}
