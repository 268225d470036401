package dev.patroxy.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * First in a server's pipeline while a session starts: holds the server's first answer back from the client
 * until {@link FirstAnswer} says whose it is. A server that cannot take connections now (57P03) is never shown
 * to the client: the session goes to another server instead.
 */
final class StartupWatch extends ChannelInboundHandlerAdapter {
    /** The client side of the watched session. */
    interface Session {
        /**
         * What the client has sent so far; null once it has sent more than a watch keeps, when nothing could be
         * replayed to another server and the session is the client's whatever the answer.
         */
        ByteBuf sent();

        /** The server answered for good: the session is the client's from now on. */
        void passed();

        /** The server turned the session away before authentication; it must go elsewhere. */
        void turnedAway();
    }

    private final Session session;
    /** Takes over when the first answer is an authentication request; null when not wanted. */
    private final RecoveryWatch recoveryWatch;
    private ByteBuf answer;
    private int forwarded;
    private boolean decided;

    StartupWatch(Session session, RecoveryWatch recoveryWatch) {
        this.session = session;
        this.recoveryWatch = recoveryWatch;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = (ByteBuf) msg;
        if (session.sent() == null) {
            outgrown(ctx, bytes);
            return;
        }
        if (answer == null && FirstAnswer.declined(session.sent(), bytes) == 0
                && FirstAnswer.of(session.sent(), bytes) == FirstAnswer.Verdict.PASS) {
            // The usual case, decided by the first read alone: nothing to copy or hold.
            decided = true;
            handOver(ctx, bytes);
            ctx.fireChannelRead(bytes);
            ctx.pipeline().remove(this);
            return;
        }
        if (answer == null) {
            // Short-lived: a plain array, not pooled memory (see FrontendHandler#watch).
            answer = Unpooled.buffer(Math.max(64, bytes.readableBytes()));
        }
        try {
            answer.writeBytes(bytes);
        } finally {
            bytes.release();
        }
        int declined = FirstAnswer.declined(session.sent(), answer);
        if (declined > forwarded) {
            ctx.fireChannelRead(answer.retainedSlice(answer.readerIndex() + forwarded, declined - forwarded));
            ctx.fireChannelReadComplete();
            forwarded = declined;
        }
        FirstAnswer.Verdict verdict = answer.readableBytes() > FirstAnswer.LIMIT ? FirstAnswer.Verdict.PASS
                : FirstAnswer.of(session.sent(), answer);
        if (verdict == FirstAnswer.Verdict.PASS) {
            pass(ctx);
        } else if (verdict == FirstAnswer.Verdict.RETRY) {
            decided = true;
            ctx.pipeline().remove(this);
            session.turnedAway();
        }
    }

    /** The client sent more than the watch keeps: whatever the server answers is the client's. */
    private void outgrown(ChannelHandlerContext ctx, ByteBuf bytes) {
        if (answer == null) {
            decided = true;
            handOver(ctx, bytes);
            ctx.fireChannelRead(bytes);
            ctx.pipeline().remove(this);
            return;
        }
        try {
            answer.writeBytes(bytes);
        } finally {
            bytes.release();
        }
        pass(ctx);
    }

    private void pass(ChannelHandlerContext ctx) {
        decided = true;
        ByteBuf held = answer.skipBytes(forwarded);
        answer = null;
        handOver(ctx, held);
        if (held.isReadable()) {
            ctx.fireChannelRead(held);
            ctx.fireChannelReadComplete();
        } else {
            held.release();
        }
        ctx.pipeline().remove(this);
    }

    /**
     * Called with the first bytes the client will see of the server's answer to its startup (past any refused
     * encryption request): an authentication request, a protocol version negotiation or a notice go on being
     * watched ({@link RecoveryWatch}); anything else (TLS, an error) is the client's.
     */
    private void handOver(ChannelHandlerContext ctx, ByteBuf next) {
        byte first = next.isReadable() ? next.getByte(next.readerIndex()) : 0;
        if (recoveryWatch != null && (first == 'R' || first == 'v' || first == 'N')) {
            ctx.pipeline().addAfter(ctx.name(), null, recoveryWatch);
        } else {
            session.passed();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && closedUnanswered(ctx)) {
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * A server that ends its side on a PostgreSQL client's whole startup without answering it (a postmaster
     * shutting down) turned the session away as surely as with 57P03.
     */
    private boolean closedUnanswered(ChannelHandlerContext ctx) {
        int answered = answer == null ? 0 : answer.readableBytes();
        ByteBuf sent = session.sent();
        if (decided || answered != forwarded || sent == null || !FirstAnswer.startupSent(sent)) {
            return false;
        }
        decided = true;
        ctx.pipeline().remove(this);
        session.turnedAway();
        return true;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (closedUnanswered(ctx)) {
            return;
        }
        if (!decided) {
            decided = true;
            if (answer != null) {
                ByteBuf held = answer.skipBytes(forwarded);
                answer = null;
                if (held.isReadable()) {
                    ctx.fireChannelRead(held);
                } else {
                    held.release();
                }
            }
            session.passed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (answer != null) {
            answer.release();
            answer = null;
        }
    }
}
