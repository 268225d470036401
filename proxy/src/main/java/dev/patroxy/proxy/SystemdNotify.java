package dev.patroxy.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's notification protocol (sd_notify(3)) for {@code Type=notify}: state lines such as {@code READY=1} sent as
 * one datagram to the unix socket {@code NOTIFY_SOCKET} names (a path, or an abstract socket when it starts with
 * {@code @}). Without {@code NOTIFY_SOCKET} (not started by systemd, or not as {@code Type=notify}) every call does
 * nothing. Java's own channels have no unix datagram socket: the datagram goes through Netty's epoll transport, on a
 * thread of its own that never carries sessions. A datagram that cannot be sent is logged and the daemon goes on.
 */
public final class SystemdNotify implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);
    /** The environment variable systemd sets for a {@code Type=notify} service. */
    public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
    /** How long a caller waits for its datagram to be written: the socket is local, a write is immediate or fails. */
    private static final long SEND_WAIT_MS = 1000;

    /** As {@code NOTIFY_SOCKET} spells it, for the log. */
    private final String name;
    private final DomainSocketAddress socket;
    private final EventLoopGroup loop;
    private final Channel channel;

    private SystemdNotify(String name, DomainSocketAddress socket, EventLoopGroup loop, Channel channel) {
        this.name = name;
        this.socket = socket;
        this.loop = loop;
        this.channel = channel;
    }

    /** Notifies the socket in this process's {@code NOTIFY_SOCKET}, if any. */
    public static SystemdNotify fromEnvironment() {
        return to(System.getenv(NOTIFY_SOCKET));
    }

    /** Notifies {@code socket} ({@code NOTIFY_SOCKET}'s syntax); null or empty: a notifier that does nothing. */
    public static SystemdNotify to(String socket) {
        if (socket == null || socket.isEmpty()) {
            return new SystemdNotify(null, null, null, null);
        }
        if (!Epoll.isAvailable()) {
            log.warn("{} is set, but Netty's epoll transport does not load ({}): systemd is not told when patroxy is"
                    + " ready", NOTIFY_SOCKET, Epoll.unavailabilityCause().toString());
            return new SystemdNotify(null, null, null, null);
        }
        // An abstract socket's name starts with a NUL byte, which NOTIFY_SOCKET spells '@'.
        DomainSocketAddress address = new DomainSocketAddress(socket.startsWith("@") ? "\0" + socket.substring(1)
                : socket);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "patroxy-systemd-notify");
            t.setDaemon(true);
            return t;
        }, EpollIoHandler.newFactory());
        // Never bound nor connected: each datagram is addressed, so a socket systemd made anew is still reached.
        ChannelFuture registered = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
                .handler(new ChannelInboundHandlerAdapter()).register().syncUninterruptibly();
        return new SystemdNotify(socket, address, loop, registered.channel());
    }

    /** Whether datagrams are sent at all. */
    public boolean enabled() {
        return channel != null;
    }

    /** Start-up finished, or a reload did: {@code READY=1}. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    /**
     * A reload starts; {@link #ready} says when it is over. The monotonic time lets systemd (253 and later) tell this
     * reload from an earlier one; HotSpot's {@code System.nanoTime()} reads {@code CLOCK_MONOTONIC} on Linux.
     */
    public void reloading(String status) {
        send("RELOADING=1\nSTATUS=" + status + "\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
    }

    /** The service is stopping: {@code STOPPING=1}. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + status);
    }

    /** Sends {@code state} (newline-separated {@code KEY=VALUE} lines) as one datagram; waits until it is written. */
    void send(String state) {
        if (channel == null) {
            return;
        }
        DomainDatagramPacket packet = new DomainDatagramPacket(
                Unpooled.copiedBuffer(state, StandardCharsets.UTF_8), socket);
        ChannelFuture write = channel.writeAndFlush(packet);
        if (!write.awaitUninterruptibly(SEND_WAIT_MS, TimeUnit.MILLISECONDS)) {
            log.warn("systemd notification not written within {} ms: {}", SEND_WAIT_MS, state.replace('\n', ' '));
        } else if (!write.isSuccess()) {
            log.warn("systemd notification not sent to {} ({}): {}", name,
                    write.cause().toString(), state.replace('\n', ' '));
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly(SEND_WAIT_MS);
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}
