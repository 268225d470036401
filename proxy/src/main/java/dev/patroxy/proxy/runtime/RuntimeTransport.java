package dev.patroxy.proxy.runtime;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The runtime API's sockets: native epoll UNIX and TCP sockets where epoll loads, Java NIO's (UNIX sockets since
 * Java 16) elsewhere. Its event loop is its own, so that no runtime API client can hold up a relay thread.
 */
record RuntimeTransport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> unixChannel,
        Class<? extends ServerChannel> tcpChannel, Function<Path, SocketAddress> unixAddress) {

    static RuntimeTransport best() {
        return Epoll.isAvailable() ? epoll() : nio();
    }

    static RuntimeTransport epoll() {
        return new RuntimeTransport("epoll", EpollIoHandler.newFactory(), EpollServerDomainSocketChannel.class,
                EpollServerSocketChannel.class, path -> new DomainSocketAddress(path.toString()));
    }

    static RuntimeTransport nio() {
        return new RuntimeTransport("nio", NioIoHandler.newFactory(), NioServerDomainSocketChannel.class,
                NioServerSocketChannel.class, UnixDomainSocketAddress::of);
    }

    EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(1, ioHandlerFactory);
    }
}
