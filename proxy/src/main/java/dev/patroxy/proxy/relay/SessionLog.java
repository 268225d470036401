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
 */
final class SessionLog {
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
        QUEUE_TIMEOUT("sQ", "timeout queue");

        private final String code;
        private final String reason;

        Termination(String code, String reason) {
            this.code = code;
            this.reason = reason;
        }
    }

    private final String client;
    private final String listener;
    private final Instant acceptedAt;
    private final long startNanos;
    private long queueNanos = -1;
    private long connectNanos = -1;
    private String server = "<NOSRV>";
    private int retries;
    private long bytesFromClient;
    private long bytesToClient;
    private volatile Termination termination;

    SessionLog(SocketAddress client, String listener, Instant acceptedAt, long startNanos) {
        this.client = client instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort() : String.valueOf(client);
        this.listener = listener;
        this.acceptedAt = acceptedAt;
        this.startNanos = startNanos;
    }

    void serverChosen(String name) {
        server = name;
    }

    void queued(long nanos) {
        queueNanos = nanos;
    }

    void connected(long nanos) {
        connectNanos = nanos - startNanos - Math.max(queueNanos, 0);
    }

    void retried() {
        retries++;
    }

    void fromClient(long bytes) {
        bytesFromClient += bytes;
    }

    void toClient(long bytes) {
        bytesToClient += bytes;
    }

    /** Records why the session ended, unless a cause is already known. */
    synchronized void end(Termination cause) {
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
        return client + " [" + ACCEPT_DATE.format(acceptedAt) + "] " + listener + " " + listener + "/" + server
                + " " + millis(queueNanos) + "/" + millis(connectNanos) + "/" + millis(endNanos - startNanos)
                + " " + bytesToClient + " " + bytesFromClient + " " + cause.code + " " + retries
                + " (" + cause.reason + ")";
    }

    private static long millis(long nanos) {
        return nanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
