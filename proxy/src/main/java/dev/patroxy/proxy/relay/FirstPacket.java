package dev.patroxy.proxy.relay;

import io.netty.buffer.ByteBuf;

/**
 * What a client's first packet says, read by patroxy before the client takes any place or costs a server
 * connection. PostgreSQL's own rules ({@code ProcessStartupPacket}): an Int32 length that counts itself, 8 to
 * {@value PgStartup#MAX_LENGTH} bytes, then an Int32 code, a special request or a protocol version. Where
 * PostgreSQL answers a bad packet before closing (an unsupported protocol, a startup message whose parameters
 * are not terminated), {@link Decision#sqlState()} says with what; where it only logs (a length out of bounds),
 * patroxy closes without a word too.
 */
final class FirstPacket {
    /** PostgreSQL's ERRCODE_PROTOCOL_VIOLATION. */
    static final String PROTOCOL_VIOLATION = "08P01";
    /** PostgreSQL's ERRCODE_FEATURE_NOT_SUPPORTED, its answer to an unsupported protocol version. */
    static final String FEATURE_NOT_SUPPORTED = "0A000";

    enum Outcome {
        /** Not all of the packet has arrived yet. */
        NEED_MORE,
        /** An SSLRequest: TLS goes end to end, so patroxy can read no further; the server answers it. */
        SSL,
        /** A GSSENCRequest: answered by the server, like an SSLRequest. */
        GSS,
        /** A CancelRequest for another session. */
        CANCEL,
        /** A whole protocol 3.x startup message. */
        STARTUP,
        /** Not a PostgreSQL client's first packet. */
        INVALID
    }

    /**
     * @param length the packet's length, once known, else 0
     * @param sqlState for INVALID, the SQLSTATE of the FATAL error PostgreSQL answers with; null where it
     *     answers nothing
     * @param reason for INVALID, what is wrong, as PostgreSQL words it
     */
    record Decision(Outcome outcome, int length, String sqlState, String reason) {
        static final Decision NEED_MORE = new Decision(Outcome.NEED_MORE, 0, null, null);

        boolean proceeds() {
            return outcome != Outcome.NEED_MORE && outcome != Outcome.INVALID;
        }
    }

    private static final Decision BAD_LENGTH =
            new Decision(Outcome.INVALID, 0, null, "invalid length of startup packet");

    private FirstPacket() {
    }

    /**
     * Decides from the readable bytes of {@code in}, which it does not consume; a bad length is INVALID as soon as
     * the length arrives, without waiting for the bytes it announces.
     */
    static Decision decide(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return Decision.NEED_MORE;
        }
        int start = in.readerIndex();
        int length = in.getInt(start);
        if (length < 8 || length > PgStartup.MAX_LENGTH) {
            return BAD_LENGTH;
        }
        if (in.readableBytes() < length) {
            return Decision.NEED_MORE;
        }
        int code = in.getInt(start + 4);
        return switch (code) {
            case PgStartup.SSL_REQUEST_CODE -> new Decision(Outcome.SSL, length, null, null);
            case PgStartup.GSSENC_REQUEST_CODE -> new Decision(Outcome.GSS, length, null, null);
            case PgStartup.CANCEL_REQUEST_CODE -> new Decision(Outcome.CANCEL, length, null, null);
            default -> startup(in, start, length, code);
        };
    }

    private static Decision startup(ByteBuf in, int start, int length, int code) {
        int major = code >>> 16;
        if (major != PgStartup.PROTOCOL_3) {
            return new Decision(Outcome.INVALID, length, FEATURE_NOT_SUPPORTED, "unsupported frontend protocol "
                    + major + "." + (code & 0xFFFF) + ": patroxy relays protocol 3.x only");
        }
        // The parameters are NUL-terminated pairs ending in one more NUL; 8 bytes leave room for none of it.
        if (length == 8 || in.getByte(start + length - 1) != 0) {
            return new Decision(Outcome.INVALID, length, PROTOCOL_VIOLATION,
                    "invalid startup packet layout: expected terminator as last byte");
        }
        return new Decision(Outcome.STARTUP, length, null, null);
    }
}
