package dev.patroxy.stats;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of the stats page, CSV and JSON exports and Prometheus metrics ({@code /}, {@code /;csv},
 * {@code /;json}, {@code /metrics}).
 *
 * <p>It runs on its own single NIO thread, apart from the relay's event loops: a slow or busy stats client costs the
 * relay nothing, and a stats request only reads a snapshot.
 */
public final class StatsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatsServer.class);

    /** Requests are bodiless GETs; anything bigger is refused by the aggregator with 413. */
    private static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** Closes keep-alive connections a client forgot, so they cannot pile up. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(120);

    private final List<InetSocketAddress> binds;
    private final StatsRoutes routes;
    private final List<Channel> listeners = new ArrayList<>();
    private EventLoopGroup group;
    private boolean closed;

    /** A server with its own Prometheus registry. */
    public StatsServer(List<InetSocketAddress> binds, Supplier<StatsSnapshot> snapshots, Duration pageRefresh) {
        this(binds, snapshots, pageRefresh, new PrometheusStats());
    }

    /**
     * @param binds where to listen; port 0 picks a free port (see {@link #boundAddresses()})
     * @param snapshots called once per request
     * @param pageRefresh how often the HTML page reloads itself; zero turns that off
     * @param prometheus the registry behind {@code /metrics}, which may hold the caller's own meters too
     */
    public StatsServer(List<InetSocketAddress> binds, Supplier<StatsSnapshot> snapshots, Duration pageRefresh,
            PrometheusStats prometheus) {
        this.binds = List.copyOf(binds);
        if (this.binds.isEmpty()) {
            throw new IllegalArgumentException("the stats server needs at least one address to listen on");
        }
        this.routes = new StatsRoutes(snapshots, new HtmlStatsPage(pageRefresh), prometheus);
    }

    /**
     * Listens on every address, or on none.
     *
     * @throws StatsBindException naming the first address that could not be bound
     */
    public synchronized void start() {
        if (group != null || closed) {
            throw new IllegalStateException("the stats server can be started only once");
        }
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("patroxy-stats", true),
                NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(
                                new IdleStateHandler(0, 0, IDLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                                new HttpServerCodec(),
                                new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                new StatsHttpHandler(routes));
                    }
                });
        for (InetSocketAddress address : binds) {
            ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                close();
                throw new StatsBindException(address, bound.cause());
            }
            listeners.add(bound.channel());
            LOG.info("Stats listening on {}", bound.channel().localAddress());
        }
    }

    /** The addresses actually listened on, in the order given, with the ports picked for port 0. */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return listeners.stream().map(channel -> (InetSocketAddress) channel.localAddress()).toList();
    }

    /** Stops listening and closes every stats connection; safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        listeners.forEach(channel -> channel.close().awaitUninterruptibly());
        listeners.clear();
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
