package dev.patroxy.proxy.relay;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

/**
 * What one session did, for HAProxy's {@code tcplog} line: who the client was, where it went, how long it waited
 * for a place, to connect and in all, the bytes each way, and why it ended. The first cause recorded wins.
 * Written from the client's event loop, except {@link #end} which a health check may call to kill the session.
 * Listeners without {@code log: tcplog} share {@link #OFF}, which records nothing, so their sessions carry no log.
 */
final class SessionLog {
    /** Records nothing; for sessions whose listener does not log them. */
    static final SessionLog OFF = new SessionLog(null, "", 0, 0, false);

    private static final DateTimeFormatter ACCEPT_DATE =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    /** HAProxy's two-letter termination states, the ones a TCP proxy meets. */
    enum Termination {
        CLIENT_CLOSED("CD", "client closed"),
        SERVER_CLOSED("SD", "server closed"),
        CLIENT_TIMEOUT("cD", "client timeout"),
        SERVER_TIMEOUT("sD", "server timeout"),
        KILLED("KD", "server left its role or went DOWN"),
        NO_SERVER("SC", "no server takes sessions"),
        CONNECT_FAILED("SC", "could not connect to the server"),
        IN_RECOVERY("PC", "the server was in recovery on a primary listener"),
        QUEUE_TIMEOUT("sQ", "timeout queue"),
        /** HAProxy's "cR": the client's request (here its startup and authentication) did not come in time. */
        STARTUP_TIMEOUT("cR", "timeout client-startup"),
        FIRST_PACKET_TIMEOUT("cR", "timeout client-hello"),
        /** HAProxy's "CR": the client ended its side before its request (here its first packet) was whole. */
        FIRST_PACKET_INCOMPLETE("CR", "closed in its first packet"),
        /** HAProxy's "PR": the proxy refused the request (here a first packet that is not PostgreSQL's). */
        FIRST_PACKET_INVALID("PR", "invalid first packet"),
        FIRST_PACKET_OVER_LIMIT("PR", "too many clients in their first packet");

        private final String code;
        private final String reason;

        Termination(String code, String reason) {
            this.code = code;
            this.reason = reason;
        }
    }

    private final SocketAddress client;
    private final String listener;
    private final long acceptedAtMillis;
    private final long startNanos;
    private long queueNanos = -1;
    private long connectNanos = -1;
    private String server = "<NOSRV>";
    private int retries;
    private long bytesFromClient;
    private long bytesToClient;
    private volatile Termination termination;
    private final boolean recording;

    /**
     * @param acceptedAtMillis when the client was accepted, in milliseconds since the epoch
     * @param startNanos the same moment on the monotonic clock the other times are measured on
     */
    SessionLog(SocketAddress client, String listener, long acceptedAtMillis, long startNanos) {
        this(client, listener, acceptedAtMillis, startNanos, true);
    }

    private SessionLog(SocketAddress client, String listener, long acceptedAtMillis, long startNanos,
            boolean recording) {
        this.recording = recording;
        this.client = client;
        this.listener = listener;
        this.acceptedAtMillis = acceptedAtMillis;
        this.startNanos = startNanos;
    }

    void serverChosen(String name) {
        if (!recording) {
            return;
        }
        server = name;
    }

    void queued(long nanos) {
        if (!recording) {
            return;
        }
        queueNanos = nanos;
    }

    void connected(long nanos) {
        if (!recording) {
            return;
        }
        connectNanos = nanos - startNanos - Math.max(queueNanos, 0);
    }

    void retried() {
        if (!recording) {
            return;
        }
        retries++;
    }

    void fromClient(long bytes) {
        if (!recording) {
            return;
        }
        bytesFromClient += bytes;
    }

    void toClient(long bytes) {
        if (!recording) {
            return;
        }
        bytesToClient += bytes;
    }

    /** Records why the session ended, unless a cause is already known. */
    void end(Termination cause) {
        if (recording) {
            recordEnd(cause);
        }
    }

    private synchronized void recordEnd(Termination cause) {
        if (termination == null) {
            termination = cause;
        }
    }

    /**
     * {@code client [accept date] listener listener/server Tw/Tc/Tt bytes_to_client bytes_from_client state
     * retries (reason)}; -1 for a time that never came, as in HAProxy.
     */
    String line(long endNanos) {
        Termination cause = termination == null ? Termination.CLIENT_CLOSED : termination;
        String from = client instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort() : String.valueOf(client);
        return from + " [" + ACCEPT_DATE.format(Instant.ofEpochMilli(acceptedAtMillis)) + "] " + listener + " " + listener + "/" + server
                + " " + millis(queueNanos) + "/" + millis(connectNanos) + "/" + millis(endNanos - startNanos)
                + " " + bytesToClient + " " + bytesFromClient + " " + cause.code + " " + retries
                + " (" + cause.reason + ")";
    }

    private static long millis(long nanos) {
        return nanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
