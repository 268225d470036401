package dev.patroxy.proxy.relay;

import io.netty.buffer.ByteBuf;

/**
 * Reads the start of a PostgreSQL session both ways, to tell whether the server turned the client away before
 * authentication with SQLSTATE 57P03 (cannot_connect_now: shutting down, starting up): nothing has been
 * exchanged yet that another server could not be given again, so the session can go elsewhere. Past the
 * server's first message (or once the session is encrypted) it is the client's session and is left alone.
 */
final class FirstAnswer {
    enum Verdict {
        /** Not enough of the answer yet. */
        UNDECIDED,
        /** The session is the client's: relay everything. */
        PASS,
        /** The server cannot take connections now: try another, replaying {@link #replay}. */
        RETRY
    }

    /** More than a startup message and an error can take; past it the watch gives up. */
    static final int LIMIT = PgStartup.MAX_LENGTH + 64;
    private static final int ENCRYPTION_REQUEST_LENGTH = 8;

    private FirstAnswer() {
    }

    /**
     * @param sent everything the client has sent so far (not consumed)
     * @param answer everything the server has answered so far (not consumed)
     */
    static Verdict of(ByteBuf sent, ByteBuf answer) {
        int at = answer.readerIndex();
        for (int i = encryptionRequests(sent); i > 0; i--) {
            if (answer.writerIndex() <= at) {
                return Verdict.UNDECIDED;
            }
            if (answer.getByte(at) != 'N') {
                return Verdict.PASS;
            }
            at++;
        }
        if (answer.writerIndex() <= at) {
            return Verdict.UNDECIDED;
        }
        if (answer.getByte(at) != 'E') {
            return Verdict.PASS;
        }
        if (answer.writerIndex() - at < 5) {
            return Verdict.UNDECIDED;
        }
        int length = answer.getInt(at + 1);
        if (length < 4 || length > LIMIT) {
            return Verdict.PASS;
        }
        if (answer.writerIndex() - at < 1 + length) {
            return Verdict.UNDECIDED;
        }
        String sqlState = field(answer, at + 5, at + 1 + length, 'C');
        return CannotConnectNowHandler.CANNOT_CONNECT_NOW.equals(sqlState) ? Verdict.RETRY : Verdict.PASS;
    }

    /**
     * How many leading bytes of {@code answer} decline the client's encryption requests ('N'): the client waits
     * for them before it sends its startup, so they go to it at once; another server would decline them alike.
     */
    static int declined(ByteBuf sent, ByteBuf answer) {
        int requests = encryptionRequests(sent);
        int count = 0;
        while (count < requests && answer.readableBytes() > count
                && answer.getByte(answer.readerIndex() + count) == 'N') {
            count++;
        }
        return count;
    }

    /**
     * Whether the client has sent a whole PostgreSQL startup message (after any encryption requests): a server
     * that then closes without a word turned the session away as surely as with 57P03.
     */
    static boolean startupSent(ByteBuf sent) {
        ByteBuf rest = sent.slice(sent.readerIndex() + encryptionRequests(sent) * ENCRYPTION_REQUEST_LENGTH,
                sent.readableBytes() - encryptionRequests(sent) * ENCRYPTION_REQUEST_LENGTH);
        return PgStartup.next(rest) == PgStartup.Kind.STARTUP;
    }

    /** What the next server must be sent: the client's bytes after its encryption requests, already declined. */
    static ByteBuf replay(ByteBuf sent) {
        int skip = encryptionRequests(sent) * ENCRYPTION_REQUEST_LENGTH;
        return sent.retainedSlice(sent.readerIndex() + skip, sent.readableBytes() - skip);
    }

    /** How many SSLRequest / GSSENCRequest messages the client opened with. */
    private static int encryptionRequests(ByteBuf sent) {
        int count = 0;
        int at = sent.readerIndex();
        while (sent.writerIndex() - at >= ENCRYPTION_REQUEST_LENGTH && sent.getInt(at) == ENCRYPTION_REQUEST_LENGTH) {
            int code = sent.getInt(at + 4);
            if (code != PgStartup.SSL_REQUEST_CODE && code != PgStartup.GSSENC_REQUEST_CODE) {
                break;
            }
            count++;
            at += ENCRYPTION_REQUEST_LENGTH;
        }
        return count;
    }

    /** The value of field {@code type} of the ErrorResponse body between {@code from} and {@code to}, or null. */
    private static String field(ByteBuf message, int from, int to, char type) {
        int at = from;
        while (at < to && message.getByte(at) != 0) {
            byte fieldType = message.getByte(at);
            int end = message.indexOf(at + 1, to, (byte) 0);
            if (end < 0) {
                return null;
            }
            if (fieldType == type) {
                return message.toString(at + 1, end - at - 1, java.nio.charset.StandardCharsets.UTF_8);
            }
            at = end + 1;
        }
        return null;
    }
}
