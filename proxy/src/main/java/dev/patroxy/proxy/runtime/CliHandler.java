package dev.patroxy.proxy.runtime;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import dev.patroxy.config.AdminLevel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One runtime API connection, as HAProxy's CLI runs it: each command's answer is followed by an empty line (by
 * {@code > } in interactive mode); without {@code prompt} the connection ends once the commands sent so far are
 * answered. Decisions are {@link RuntimeCommands}'; this only moves lines.
 */
final class CliHandler extends ChannelInboundHandlerAdapter {
    static final String IDLE_HANDLER = "idle";
    private static final Logger log = LoggerFactory.getLogger(CliHandler.class);

    private final RuntimeCommands commands;
    private final CliSession session;
    private boolean closing;

    CliHandler(RuntimeCommands commands, Duration timeout, AdminLevel level) {
        this.commands = commands;
        this.session = new CliSession(timeout, level);
    }

    static IdleStateHandler idleHandler(Duration timeout) {
        return new IdleStateHandler(0, 0, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            return;
        }
        if (msg instanceof CliLineDecoder.TooLong tooLong) {
            closeWith(ctx, "Command line too long: a line may hold at most " + tooLong.maxLineLength()
                    + " bytes. Closing the connection.\n");
            return;
        }
        CliLineDecoder.Line line = (CliLineDecoder.Line) msg;
        List<List<String>> all = CommandWords.commands(line.text());
        for (int i = 0; i < all.size(); i++) {
            Duration timeout = session.timeout();
            RuntimeCommands.Answer answer = run(all.get(i));
            if (answer.quit()) {
                closeWith(ctx, "");
                return;
            }
            ctx.write(text(answer.text() + (session.interactive() ? "\n> " : "\n")));
            if (!timeout.equals(session.timeout())) {
                ctx.pipeline().replace(IDLE_HANDLER, IDLE_HANDLER, idleHandler(session.timeout()));
            }
            boolean last = i == all.size() - 1;
            if (last && !line.more() && !session.interactive()) {
                closeWith(ctx, "");
                return;
            }
        }
        ctx.flush();
    }

    /** A command that throws is patroxy's fault, not the client's: it is logged and answered, and the rest go on. */
    private RuntimeCommands.Answer run(List<String> words) {
        try {
            return commands.run(words, session);
        } catch (RuntimeException e) {
            log.warn("runtime API: '{}' failed", String.join(" ", words), e);
            return RuntimeCommands.Answer.of("Internal error: " + ShowCluster.oneLine(String.valueOf(e)) + "\n");
        }
    }

    private void closeWith(ChannelHandlerContext ctx, String text) {
        closing = true;
        ctx.writeAndFlush(text(text)).addListener(ChannelFutureListener.CLOSE);
    }

    private static Object text(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent || event instanceof ChannelInputShutdownEvent) {
            if (!closing) {
                closeWith(ctx, "");
            }
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("runtime API connection failed", cause);
        ctx.close();
    }
}
