package dev.patroxy.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The messages a PostgreSQL client sends before the server has said anything (each an Int32 length that
 * counts itself, then an Int32 code), and the ErrorResponse a server answers them with when it refuses.
 */
final class PgStartup {
    /** PostgreSQL's own limit on the first message (MAX_STARTUP_PACKET_LENGTH). */
    static final int MAX_LENGTH = 10_000;
    static final int SSL_REQUEST_CODE = 80877103;
    static final int GSSENC_REQUEST_CODE = 80877104;
    static final int CANCEL_REQUEST_CODE = 80877102;
    static final int PROTOCOL_3 = 3;

    enum Kind {
        /** Asks for TLS; a server without it answers 'N' and the client goes on in the clear or gives up. */
        SSL_REQUEST,
        /** Asks for GSSAPI encryption; answered like SSL_REQUEST. */
        GSSENC_REQUEST,
        /** Asks to cancel a query of another session; the server answers nothing and closes. */
        CANCEL_REQUEST,
        /** Opens a session with protocol 3.x: user, database and other parameters. */
        STARTUP,
        /** Anything else, or a length out of bounds: not a PostgreSQL client. */
        MALFORMED
    }

    private PgStartup() {
    }

    /**
     * Takes the next message from {@code in}.
     *
     * @return its kind once all of it has arrived (it is then consumed), or null until then; MALFORMED as soon as
     *     the length alone shows it, without waiting for the bytes it announces
     */
    static Kind next(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int start = in.readerIndex();
        int length = in.getInt(start);
        if (length < 8 || length > MAX_LENGTH) {
            return Kind.MALFORMED;
        }
        if (in.readableBytes() < length) {
            return null;
        }
        int code = in.getInt(start + 4);
        in.skipBytes(length);
        return switch (code) {
            case SSL_REQUEST_CODE -> length == 8 ? Kind.SSL_REQUEST : Kind.MALFORMED;
            case GSSENC_REQUEST_CODE -> length == 8 ? Kind.GSSENC_REQUEST : Kind.MALFORMED;
            case CANCEL_REQUEST_CODE -> Kind.CANCEL_REQUEST;
            default -> code >>> 16 == PROTOCOL_3 && length > 8 && in.getByte(start + length - 1) == 0
                    ? Kind.STARTUP : Kind.MALFORMED;
        };
    }

    /**
     * An ErrorResponse with severity FATAL, as a server sends it before closing: S and V (the untranslated
     * severity, protocol 3 since PostgreSQL 9.6), C (SQLSTATE) and M (the message).
     */
    static ByteBuf fatalError(ByteBufAllocator alloc, String sqlState, String message) {
        ByteBuf out = alloc.buffer();
        out.writeByte('E');
        int lengthAt = out.writerIndex();
        out.writeInt(0);
        field(out, 'S', "FATAL");
        field(out, 'V', "FATAL");
        field(out, 'C', sqlState);
        // A NUL would end the field early and desynchronise the client.
        field(out, 'M', message.replace('\0', ' '));
        out.writeByte(0);
        out.setInt(lengthAt, out.writerIndex() - lengthAt);
        return out;
    }

    private static void field(ByteBuf out, char type, String value) {
        out.writeByte(type);
        out.writeCharSequence(value, StandardCharsets.UTF_8);
        out.writeByte(0);
    }
}
