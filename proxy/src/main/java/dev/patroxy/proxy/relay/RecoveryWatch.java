package dev.patroxy.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * In a server's pipeline on a primary listener, from the server's first authentication message to its first
 * ReadyForQuery: PostgreSQL 14 and later report {@code in_hot_standby} right after authentication, and a node in
 * recovery is the one thing a session on the primary port must never reach. It is PostgreSQL's own word, seconds
 * ahead of a Patroni check in the worst case (a primary demoting itself after losing the DCS).
 * <p>
 * Authentication requests (and notices, a protocol version negotiation) go to the client as they come. From
 * AuthenticationOk on, the server's messages are held back until ReadyForQuery: the client sees them only if the
 * node is not in recovery. A server that does not report the parameter (before 14), an error, or an answer this
 * class cannot follow pass untouched.
 */
final class RecoveryWatch extends ChannelInboundHandlerAdapter {
    /** The client side of the watched session. */
    interface Session {
        /**
         * The server's answers reach the client from now on (called once, before the first of them is passed):
         * what the client sent is no longer a session another server could be given.
         */
        void committed();

        /**
         * The node is in recovery; nothing of it has been passed to the client and the held answer is dropped.
         *
         * @param replayable whether the client has seen nothing of this server (it authenticated without the
         *     client's help), so its startup can be given to another server
         */
        void inRecovery(boolean replayable);

        /** The watch stepped out leaving the session to the client: authentication is over, or cannot be followed. */
        void ended();
    }

    static final String IN_HOT_STANDBY = "in_hot_standby";
    /** Far more than authentication and the startup's parameter reports take; past it the watch gives up. */
    static final int LIMIT = 32 * 1024;
    private static final int HEADER = 5;
    private static final int AUTHENTICATION_OK = 0;

    private final Session session;
    /** Bytes of the server not passed on yet, starting at a message boundary. */
    private ByteBuf pending;
    /** Bytes of {@link #pending} already looked at, all of whole messages held from AuthenticationOk on. */
    private int scanned;
    private boolean authenticated;
    private boolean committed;
    private boolean inHotStandby;
    private boolean done;

    RecoveryWatch(Session session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = (ByteBuf) msg;
        if (done) {
            ctx.fireChannelRead(bytes);
            return;
        }
        if (pending == null) {
            // Short-lived: a plain array, not pooled memory (see FrontendHandler#watch).
            pending = Unpooled.buffer(Math.max(256, bytes.readableBytes()));
        }
        try {
            pending.writeBytes(bytes);
        } finally {
            bytes.release();
        }
        scan(ctx);
    }

    private void scan(ChannelHandlerContext ctx) {
        while (!done) {
            int at = pending.readerIndex() + scanned;
            if (pending.writerIndex() - at < HEADER) {
                break;
            }
            byte type = pending.getByte(at);
            int length = pending.getInt(at + 1);
            if (length < 4 || length > LIMIT) {
                pass(ctx);
                return;
            }
            if (pending.writerIndex() - at < 1 + length) {
                if (scanned + 1 + length > LIMIT) {
                    pass(ctx);
                }
                break;
            }
            if (!authenticated) {
                if (type == 'R' && length == 8 && pending.getInt(at + HEADER) == AUTHENTICATION_OK) {
                    authenticated = true;
                    forwardScanned(ctx);
                    scanned = 1 + length;
                } else if (type == 'R' || type == 'N' || type == 'v') {
                    scanned += 1 + length;
                    forwardScanned(ctx);
                } else {
                    // An error (wrong password, too many clients) or something this class cannot follow.
                    pass(ctx);
                    return;
                }
                continue;
            }
            scanned += 1 + length;
            if (type == 'S') {
                noteParameter(at + HEADER, at + 1 + length);
            } else if (type == 'Z') {
                decide(ctx);
                return;
            } else if (type == 'E') {
                pass(ctx);
                return;
            }
            if (scanned > LIMIT) {
                pass(ctx);
                return;
            }
        }
        if (!done && !authenticated) {
            forwardScanned(ctx);
        }
    }

    /** Passes the whole messages looked at so far (authentication requests) to the client. */
    private void forwardScanned(ChannelHandlerContext ctx) {
        if (scanned == 0) {
            return;
        }
        commit();
        ctx.fireChannelRead(pending.readRetainedSlice(scanned));
        ctx.fireChannelReadComplete();
        scanned = 0;
    }

    private void noteParameter(int from, int to) {
        int nameEnd = pending.indexOf(from, to, (byte) 0);
        if (nameEnd < 0) {
            return;
        }
        String name = pending.toString(from, nameEnd - from, StandardCharsets.US_ASCII);
        if (!IN_HOT_STANDBY.equals(name)) {
            return;
        }
        int valueEnd = pending.indexOf(nameEnd + 1, to, (byte) 0);
        inHotStandby = valueEnd > nameEnd
                && "on".equals(pending.toString(nameEnd + 1, valueEnd - nameEnd - 1, StandardCharsets.US_ASCII));
    }

    private void decide(ChannelHandlerContext ctx) {
        if (!inHotStandby) {
            pass(ctx);
            return;
        }
        done = true;
        boolean replayable = !committed;
        pending.release();
        pending = null;
        ctx.pipeline().remove(this);
        session.inRecovery(replayable);
    }

    /** The session is the client's: everything held goes to it, and the watch steps out. */
    private void pass(ChannelHandlerContext ctx) {
        release(ctx);
        ctx.pipeline().remove(this);
    }

    /** Gives the client everything held; from then on this handler only passes bytes along. */
    private void release(ChannelHandlerContext ctx) {
        done = true;
        commit();
        session.ended();
        ByteBuf held = pending;
        pending = null;
        if (held != null && held.isReadable()) {
            ctx.fireChannelRead(held);
            ctx.fireChannelReadComplete();
        } else if (held != null) {
            held.release();
        }
    }

    private void commit() {
        if (!committed) {
            committed = true;
            session.committed();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!done) {
            release(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            release(ctx);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
