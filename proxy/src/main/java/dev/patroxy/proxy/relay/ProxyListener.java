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
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * The accepting sockets of one listener and its client-side counters. While the listener's or the proxy's
 * {@code maxconn} is reached it stops accepting: new clients wait in the kernel's backlog, as with HAProxy.
 */
public final class ProxyListener implements AutoCloseable {
    private final ListenerRouter router;
    private final Admission globalLimit;
    private final Admission limit;
    private final TrafficCounters frontend = new TrafficCounters();
    private final LongAdder refused = new LongAdder();
    private final List<Channel> bound = new CopyOnWriteArrayList<>();

    /** @param globalLimit the proxy-wide {@code maxconn}, shared by every listener */
    public ProxyListener(ListenerRouter router, Admission globalLimit) {
        this.router = router;
        this.globalLimit = globalLimit;
        this.limit = new Admission(router.listener().maxconn(), System::nanoTime);
        limit.onFullnessChange(this::updateAccepting);
    }

    /**
     * Accepts new clients only while neither the proxy nor this listener is at its {@code maxconn}. Synchronized so
     * that two threads cannot apply their readings in the opposite order to the one they took them in.
     */
    public synchronized void updateAccepting() {
        boolean accepting = !globalLimit.isFull() && !limit.isFull();
        for (Channel channel : bound) {
            channel.config().setAutoRead(accepting);
        }
    }

    public Admission limit() {
        return limit;
    }

    /** Binds every address of the listener; on failure, closes what was bound and names the address. */
    public void bind(EventLoopGroup boss, EventLoopGroup workers, Transport transport) {
        ServerBootstrap bootstrap = transport.keepaliveOnAccepted(new ServerBootstrap())
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(transport.reusePort(), true)
                .childOption(ChannelOption.ALLOCATOR, transport.allocator())
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, transport.readSizes())
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel client) {
                        client.pipeline().addLast(new FrontendHandler(router, List.of(globalLimit, limit), frontend,
                                refused::increment, transport));
                    }
                });
        for (BindAddress address : router.listener().binds()) {
            ChannelFuture binding = bootstrap.bind(address.toSocketAddress()).awaitUninterruptibly();
            if (!binding.isSuccess()) {
                close();
                throw new IllegalStateException("listener " + router.listener().name() + ": cannot bind " + address
                        + ": " + binding.cause().getMessage(), binding.cause());
            }
            bound.add(binding.channel());
        }
        // A proxy already at its maxconn (a reload while full) must not accept on the new sockets either.
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

    /** The ports actually bound, in bind order (useful when the configuration asks for port 0). */
    public List<Integer> boundPorts() {
        return bound.stream().map(c -> ((InetSocketAddress) c.localAddress()).getPort()).toList();
    }

    @Override
    public void close() {
        for (Channel channel : bound) {
            channel.close().syncUninterruptibly();
        }
        bound.clear();
    }
}
