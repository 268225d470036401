package dev.patroxy.stats;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
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

    /**
     * Bytes taken from a stats socket per read. While a response is in flight nothing is read, so this bounds what a
     * client that pipelines without reading can make the server hold: the requests parsed from one read, at most 57
     * of the shortest (18 bytes), under the 128 unanswered requests at which {@code HttpServerCodec} gives up.
     */
    private static final int READ_BYTES = 1024;

    private final List<InetSocketAddress> binds;
    private final StatsRoutes routes;
    private final StatsLimits limits;
    private final StatsConnectionCounters counters;
    private final Supplier<StatsSnapshot> snapshots;
    /** The token of this process's admin forms: a page from another site cannot know it. */
    private final String adminFormToken = newFormToken();
    /** What the admin controls do; none until the proxy gives it, and no controls without it. */
    private volatile StatsAdminActions adminActions;
    private final List<Channel> listeners = new ArrayList<>();
    /** What new connections are served with; a reload replaces it, connections already open keep theirs. */
    private volatile StatsAccess access = StatsAccess.OPEN;
    private EventLoopGroup group;
    /** The connections open now: each leaves when it closes, and one that joins after close() is closed at once. */
    private ChannelGroup connections;
    private boolean closed;

    /** A server with its own Prometheus registry. */
    public StatsServer(List<InetSocketAddress> binds, Supplier<StatsSnapshot> snapshots, Duration pageRefresh) {
        this(binds, snapshots, pageRefresh, StatsLimits.DEFAULTS, new PrometheusStats());
    }

    /** A server with its own Prometheus registry, which also counts the connections it refused or closed. */
    public StatsServer(List<InetSocketAddress> binds, Supplier<StatsSnapshot> snapshots, Duration pageRefresh,
            StatsLimits limits) {
        this(binds, snapshots, pageRefresh, limits, new PrometheusStats());
    }

    /**
     * @param binds where to listen; port 0 picks a free port (see {@link #boundAddresses()})
     * @param snapshots called once per request
     * @param pageRefresh how often the HTML page reloads itself; zero turns that off
     * @param limits what one stats client may cost
     * @param prometheus the registry behind {@code /metrics}, which may hold the caller's own meters too
     */
    public StatsServer(List<InetSocketAddress> binds, Supplier<StatsSnapshot> snapshots, Duration pageRefresh,
            StatsLimits limits, PrometheusStats prometheus) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.binds = List.copyOf(binds);
        if (this.binds.isEmpty()) {
            throw new IllegalArgumentException("the stats server needs at least one address to listen on");
        }
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.routes = new StatsRoutes(snapshots, new HtmlStatsPage(pageRefresh), prometheus);
        this.counters = new StatsConnectionCounters(limits.maxConnections(), prometheus.registry());
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
        connections = new DefaultChannelGroup("patroxy-stats-connections", group.next(), true);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(READ_BYTES))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (!counters.tryOpen()) {
                            channel.close();
                            return;
                        }
                        channel.closeFuture().addListener(closed -> counters.connectionClosed());
                        connections.add(channel);
                        StatsTimeoutHandler timeouts = new StatsTimeoutHandler(
                                new ConnectionDeadline(limits, System::nanoTime), counters);
                        StatsAccess served = access;
                        StatsAdminActions actions = adminActions;
                        AdminPosts adminPosts = served.admin().isEmpty() || actions == null ? null
                                : new AdminPosts(served.admin().get(), actions, adminFormToken, snapshots,
                                        served.tls().isPresent(), counters);
                        // The handshake counts towards the request's deadline, as a slow request line would.
                        channel.pipeline().addLast(timeouts);
                        served.tls().ifPresent(tls -> channel.pipeline().addLast(tls.newHandler(channel.alloc())));
                        channel.pipeline().addLast(
                                new HttpServerCodec(new HttpDecoderConfig()
                                        .setMaxInitialLineLength(limits.maxRequestLine())
                                        .setMaxHeaderSize(limits.maxHeaderSize())),
                                new HttpServerKeepAliveHandler(),
                                new StatsHttpHandler(routes, limits.maxHeaders(), timeouts, counters,
                                        served.authorizations(), adminPosts, limits.maxRequestLine()));
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

    /** Serves new connections over TLS or not, and to whom, as {@code access} says; open connections keep theirs. */
    public void serve(StatsAccess access) {
        this.access = Objects.requireNonNull(access, "access");
    }

    /**
     * What the admin controls do, for new connections served with admin credentials (see {@link StatsAccess#admin()});
     * without it the page has no controls.
     */
    public void adminActions(StatsAdminActions actions) {
        this.adminActions = Objects.requireNonNull(actions, "actions");
    }

    private static String newFormToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The addresses actually listened on, in the order given, with the ports picked for port 0. */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return listeners.stream().map(channel -> (InetSocketAddress) channel.localAddress()).toList();
    }

    /** The most responses ever written to one connection and not yet flushed: what a test can hold the server to. */
    int peakResponsesInFlight() {
        return counters.peakResponsesInFlight();
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
            // Closed here rather than left to the loop's shutdown, which closes the channels still registered only
            // when it sees the shutdown before running its tasks: a connection it misses is never closed, and the
            // half request its decoder holds is never released. The teardown each close queues on the loop (the
            // pipeline's channelInactive and handlerRemoved) runs before the loop ends.
            connections.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
