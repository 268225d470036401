package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.admin.SessionInfo;
import io.netty.channel.Channel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * One open client session as the runtime API lists it: which listener and client, the server it is relayed to, and
 * the bytes forwarded. The client's event loop writes it; the caller of {@code show sess} reads it. The byte counts
 * are written with opaque stores, which cost what a plain store does and cannot be read torn: a reader may see them
 * a read behind, never half-written.
 */
final class TrackedSession {
    private static final VarHandle BYTES_IN;
    private static final VarHandle BYTES_OUT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BYTES_IN = lookup.findVarHandle(TrackedSession.class, "bytesIn", long.class);
            BYTES_OUT = lookup.findVarHandle(TrackedSession.class, "bytesOut", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id;
    private final String frontend;
    private final Channel client;
    private final long acceptedAtNanos;
    private volatile String server = "";
    @SuppressWarnings("unused") // through BYTES_IN
    private long bytesIn;
    @SuppressWarnings("unused") // through BYTES_OUT
    private long bytesOut;

    TrackedSession(long id, String frontend, Channel client, long acceptedAtNanos) {
        this.id = id;
        this.frontend = frontend;
        this.client = client;
        this.acceptedAtNanos = acceptedAtNanos;
    }

    long id() {
        return id;
    }

    /** The session is relayed to {@code name} now; empty while it waits or is held. */
    void relayedTo(String name) {
        server = name;
    }

    /** Called on the client's event loop only, so the read and the store need no atomicity between them. */
    void fromClient(long bytes) {
        BYTES_IN.setOpaque(this, (long) BYTES_IN.getOpaque(this) + bytes);
    }

    void toClient(long bytes) {
        BYTES_OUT.setOpaque(this, (long) BYTES_OUT.getOpaque(this) + bytes);
    }

    /** Closes the client; what it held is given back as for any other close. */
    void shutdown() {
        client.close();
    }

    SessionInfo info(long nowNanos) {
        return new SessionInfo(id, frontend, address(client.remoteAddress()), server,
                Duration.ofNanos(nowNanos - acceptedAtNanos), (long) BYTES_IN.getOpaque(this),
                (long) BYTES_OUT.getOpaque(this));
    }

    private static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
