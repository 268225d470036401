package dev.patroxy.proxy.relay;

import dev.patroxy.config.GlobalConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Map;
import jdk.net.ExtendedSocketOptions;

/**
 * The socket implementation and the allocator the relay reads into: native epoll where it loads (Linux), io_uring
 * when asked for, Java NIO everywhere else. {@code readSizes} is shared by every channel (Netty otherwise gives
 * each channel an instance of its own); each channel still keeps its own read-size estimate. {@code keepalive} holds
 * the engine's TCP keep-alive timing options, set on both sides of every session.
 */
public record Transport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends SocketChannel> socketChannel,
        ByteBufAllocator allocator,
        RecvByteBufAllocator readSizes,
        Map<ChannelOption<?>, Object> keepalive) {

    /** The transport {@code global} asks for; an engine asked for by name that cannot load is an error. */
    public static Transport of(GlobalConfig global) {
        ByteBufAllocator allocator = switch (global.buffers()) {
            case ADAPTIVE -> new AdaptiveByteBufAllocator();
            case POOLED -> PooledByteBufAllocator.DEFAULT;
        };
        GlobalConfig.Keepalive k = global.keepalive();
        return switch (global.io()) {
            case AUTO -> Epoll.isAvailable() ? epoll(allocator, k) : nio(allocator, k);
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw unavailable("epoll", Epoll.unavailabilityCause());
                }
                yield epoll(allocator, k);
            }
            case IO_URING -> {
                if (!IoUring.isAvailable()) {
                    throw unavailable("io_uring", IoUring.unavailabilityCause());
                }
                yield new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                        IoUringSocketChannel.class, allocator, new AdaptiveRecvByteBufAllocator(),
                        keepalive(IoUringChannelOption.TCP_KEEPIDLE,
                                IoUringChannelOption.TCP_KEEPINTVL, IoUringChannelOption.TCP_KEEPCNT, k));
            }
            case NIO -> nio(allocator, k);
        };
    }

    /** The transport of the built-in defaults: epoll where it loads, NIO elsewhere, adaptive buffers. */
    public static Transport best() {
        return of(GlobalConfig.DEFAULTS);
    }

    private static Transport epoll(ByteBufAllocator allocator, GlobalConfig.Keepalive k) {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                EpollSocketChannel.class, allocator, new AdaptiveRecvByteBufAllocator(),
                keepalive(EpollChannelOption.TCP_KEEPIDLE, EpollChannelOption.TCP_KEEPINTVL,
                        EpollChannelOption.TCP_KEEPCNT, k));
    }

    private static Transport nio(ByteBufAllocator allocator, GlobalConfig.Keepalive k) {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class,
                allocator, new AdaptiveRecvByteBufAllocator(),
                keepalive(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE),
                        NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                        NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), k));
    }

    /** Every engine takes the timings in whole seconds and the count as a number. */
    private static Map<ChannelOption<?>, Object> keepalive(ChannelOption<Integer> idle, ChannelOption<Integer> interval,
            ChannelOption<Integer> count, GlobalConfig.Keepalive k) {
        return Map.of(idle, (int) Math.max(1, k.idle().toSeconds()), interval,
                (int) Math.max(1, k.interval().toSeconds()), count, k.count());
    }

    /** Sets the keep-alive timing on the channels a listener accepts. */
    @SuppressWarnings("unchecked")
    public ServerBootstrap keepaliveOnAccepted(ServerBootstrap bootstrap) {
        keepalive.forEach((option, value) -> bootstrap.childOption((ChannelOption<Object>) option, value));
        return bootstrap;
    }

    /** Sets the keep-alive timing on a connection to a server. */
    @SuppressWarnings("unchecked")
    public Bootstrap keepaliveOn(Bootstrap bootstrap) {
        keepalive.forEach((option, value) -> bootstrap.option((ChannelOption<Object>) option, value));
        return bootstrap;
    }

    private static IllegalStateException unavailable(String engine, Throwable cause) {
        return new IllegalStateException("io: " + engine + " is not available on this machine: " + cause, cause);
    }

    public EventLoopGroup newEventLoopGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory);
    }

    /** A short description for the log: engine and allocator. */
    public String describe() {
        return name + ", " + (allocator instanceof PooledByteBufAllocator ? "pooled" : "adaptive") + " buffers";
    }
}
