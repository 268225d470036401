package dev.patroxy.proxy.relay;

import dev.patroxy.config.BindAddress;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.TrafficCounters;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The accepting sockets of one listener and its client-side counters. While the listener's or the proxy's
 * {@code maxconn} is reached it stops accepting: new clients wait in the kernel's backlog, as with HAProxy. A reload
 * hands a socket whose address stays to the new configuration's listener ({@link #takeOver}) rather than closing
 * and binding it again, which would reset the connections waiting in its accept queue.
 */
public final class ProxyListener implements AutoCloseable {
    private final ListenerRouter router;
    private final Admission globalLimit;
    private final Admission startupLimit;
    private final FirstPacketPlaces firstPacketPlaces;
    private final FirstPacketRejections firstPacketRejections;
    private final Admission limit;
    private final SessionRegistry sessions;
    /**
     * What each client takes before it is served, in order; one list for every session. The listener's own place
     * comes first and the proxy's last, so that a client waiting for a place holds nothing another listener's
     * clients need unless the proxy itself is full: a client waiting for its listener's place holds nothing, one
     * waiting for a startup place only its listener's.
     */
    private final List<Admission> clientLimits;
    private static final int STARTUP_LIMIT_INDEX = 1;
    private final TrafficCounters frontend = new TrafficCounters();
    private final LongAdder refused = new LongAdder();
    private final LongAdder startupTimeouts = new LongAdder();
    /** Built once, not per client. */
    private final Runnable countRefused = refused::increment;
    private final Runnable countStartupTimeout = startupTimeouts::increment;
    private final Map<BindAddress, BoundSocket> bound = new ConcurrentHashMap<>();
    /**
     * Clients accepted here whose connection is open, served or not yet (in their first packet, waiting in line); a
     * channel leaves the group as it closes.
     */
    private final ChannelGroup openClients = new DefaultChannelGroup("patroxy-clients", GlobalEventExecutor.INSTANCE);
    private Transport transport;

    /** A listening socket and the listener its new clients go to. */
    private record BoundSocket(Channel channel, Acceptor acceptor) {
    }

    /** Gives each accepted client to the socket's current owner. */
    private static final class Acceptor extends ChannelInitializer<Channel> {
        volatile ProxyListener owner;

        Acceptor(ProxyListener owner) {
            this.owner = owner;
        }

        @Override
        protected void initChannel(Channel client) {
            owner.accepted(client);
        }
    }

    /**
     * @param globalLimit the proxy-wide {@code maxconn}, shared by every listener
     * @param startupLimit the proxy-wide places of sessions not past their startup, shared by every listener
     * @param firstPacketPlaces the proxy-wide bound on clients whose first packet is being read
     */
    public ProxyListener(ListenerRouter router, Admission globalLimit, Admission startupLimit,
            FirstPacketPlaces firstPacketPlaces) {
        this(router, globalLimit, startupLimit, firstPacketPlaces, new SessionRegistry(System::nanoTime));
    }

    /** As the other constructor, listing every client session in {@code sessions}, the proxy's one registry. */
    public ProxyListener(ListenerRouter router, Admission globalLimit, Admission startupLimit,
            FirstPacketPlaces firstPacketPlaces, SessionRegistry sessions) {
        this.sessions = sessions;
        this.router = router;
        this.globalLimit = globalLimit;
        this.startupLimit = startupLimit;
        this.firstPacketPlaces = firstPacketPlaces;
        this.firstPacketRejections = new FirstPacketRejections(router.listener().name());
        this.limit = new Admission(router.listener().maxconn(), System::nanoTime);
        limit.onFullnessChange(this::updateAccepting);
        this.clientLimits = List.of(limit, startupLimit, globalLimit);
    }

    private void accepted(Channel client) {
        openClients.add(client);
        client.pipeline().addLast(new FrontendHandler(router, clientLimits, STARTUP_LIMIT_INDEX, frontend,
                countRefused, countStartupTimeout, transport, firstPacketPlaces, firstPacketRejections, sessions));
    }

    /**
     * Accepts new clients only while neither the proxy nor this listener is at its {@code maxconn}, nor the proxy at
     * its limit of sessions in their startup. Synchronized so
     * that two threads cannot apply their readings in the opposite order to the one they took them in.
     */
    public synchronized void updateAccepting() {
        boolean accepting = !startupLimit.isFull() && !globalLimit.isFull() && !limit.isFull();
        for (BoundSocket socket : bound.values()) {
            socket.channel().config().setAutoRead(accepting);
        }
    }

    /** Clients this listener accepted whose connection is still open, whether or not a server serves them yet. */
    public long openClients() {
        return openClients.size();
    }

    /**
     * Closes every client still open, served or not, and waits until they are: what the proxy does as it stops,
     * before its event loops end. A loop's own shutdown closes the channels still registered only when it sees the
     * shutdown before running its tasks; one it missed would keep the startup message it holds for its server.
     */
    public void closeClients() {
        openClients.close().awaitUninterruptibly();
    }

    public Admission limit() {
        return limit;
    }

    /** Binds every address of the listener; on failure, closes what was bound and names the address. */
    public void bind(EventLoopGroup boss, EventLoopGroup workers, Transport transport) {
        bindExcept(boss, workers, transport, Set.of());
    }

    /**
     * Binds the listener's addresses but those in {@code inherited}, which a listener being replaced holds and
     * {@link #takeOver} will hand over; on failure, closes what was bound and names the address.
     */
    public void bindExcept(EventLoopGroup boss, EventLoopGroup workers, Transport transport,
            Set<BindAddress> inherited) {
        this.transport = transport;
        for (BindAddress address : router.listener().binds()) {
            if (inherited.contains(address)) {
                continue;
            }
            Acceptor acceptor = new Acceptor(this);
            ServerBootstrap bootstrap = transport.keepaliveOnAccepted(new ServerBootstrap())
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    // The kernel's own bound (net.core.somaxconn, 4096 since Linux 5.4): while accepting is paused at a
                    // maxconn, a burst of new clients waits there, and one past it sends its SYN again a second later.
                    .option(ChannelOption.SO_BACKLOG, NetUtil.SOMAXCONN)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.ALLOCATOR, transport.allocator())
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, transport.readSizes())
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .handler(new AcceptFailures(router.listener().name(), () -> acceptor.owner.updateAccepting()))
                    .childHandler(acceptor);
            ChannelFuture binding = bootstrap.bind(address.toSocketAddress()).awaitUninterruptibly();
            if (!binding.isSuccess()) {
                close();
                throw new IllegalStateException("listener " + router.listener().name() + ": cannot bind " + address
                        + ": " + binding.cause().getMessage(), binding.cause());
            }
            bound.put(address, new BoundSocket(binding.channel(), acceptor));
        }
        // A proxy already at its maxconn (a reload while full) must not accept on the new sockets either.
        updateAccepting();
    }

    /** The addresses this listener's sockets are bound to now. */
    public Set<BindAddress> boundAddresses() {
        return Set.copyOf(bound.keySet());
    }

    /**
     * Takes over {@code previous}'s sockets on the addresses this listener binds: from now on their new clients
     * come here; clients already accepted stay with {@code previous}.
     */
    public void takeOver(ProxyListener previous) {
        for (BindAddress address : router.listener().binds()) {
            BoundSocket socket = previous.bound.remove(address);
            if (socket != null) {
                socket.acceptor().owner = this;
                bound.put(address, socket);
            }
        }
        updateAccepting();
    }

    public ListenerRouter router() {
        return router;
    }

    public TrafficCounters frontend() {
        return frontend;
    }

    /** Clients turned away because no server could take them. */
    public long refused() {
        return refused.sum();
    }

    /** Clients closed because they did not finish their startup within {@code timeout client-startup}. */
    public long startupTimeouts() {
        return startupTimeouts.sum();
    }

    /**
     * Clients closed before their first packet was read whole: silent or too slow for {@code timeout client-hello},
     * gone before it was whole, not a PostgreSQL client, or past the proxy's bound on clients in their first packet.
     */
    public long firstPacketRejections() {
        return firstPacketRejections.total();
    }

    long firstPacketRejections(FirstPacketRejections.Reason reason) {
        return firstPacketRejections.count(reason);
    }

    /** The ports actually bound, in bind order (useful when the configuration asks for port 0). */
    public List<Integer> boundPorts() {
        return router.listener().binds().stream().map(bound::get).filter(Objects::nonNull)
                .map(s -> ((InetSocketAddress) s.channel().localAddress()).getPort()).toList();
    }

    @Override
    public void close() {
        for (BindAddress address : List.copyOf(bound.keySet())) {
            BoundSocket socket = bound.remove(address);
            if (socket != null) {
                socket.channel().close().syncUninterruptibly();
            }
        }
    }
}
