package dev.patroxy.proxy.relay;

import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.TrafficCounters;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the server side of a new client session: asks the router for a server, connects on the client's own
 * event loop (no thread hop between the two sides), retries as configured, then hands both channels to
 * {@link RelayHandler}s and steps out of the pipeline. The client is not read from until then, but a transport
 * may still deliver bytes and a half-close early (epoll reads on EPOLLRDHUP): those are held and replayed.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ListenerRouter router;
    private final TrafficCounters frontend;
    private final Runnable refused;
    private final Transport transport;
    private final List<Object> early = new ArrayList<>();
    private boolean earlyInputShutdown;

    FrontendHandler(ListenerRouter router, TrafficCounters frontend, Runnable refused, Transport transport) {
        this.router = router;
        this.frontend = frontend;
        this.refused = refused;
        this.transport = transport;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        frontend.sessionOpened();
        client.closeFuture().addListener(f -> frontend.sessionClosed());
        connect(ctx, 0);
    }

    private void connect(ChannelHandlerContext ctx, int attempt) {
        Channel client = ctx.channel();
        Optional<Backend> picked = router.pick();
        if (picked.isEmpty()) {
            refused.run();
            log.debug("{}: no server takes new sessions; closing {}", router.listener().name(), client.remoteAddress());
            client.close();
            return;
        }
        Backend backend = picked.get();
        ListenerConfig listener = router.listener();
        HostPort target = backend.server().address();
        ChannelFuture connecting = new Bootstrap()
                .group(client.eventLoop())
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) listener.timeouts().connect().toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel server) {
                        server.pipeline().addLast(
                                new IdleStateHandler(0, 0, listener.timeouts().server().toMillis(),
                                        TimeUnit.MILLISECONDS),
                                new RelayHandler(client, n -> {
                                    backend.traffic().addBytesOut(n);
                                    frontend.addBytesOut(n);
                                }));
                    }
                })
                .connect(new InetSocketAddress(target.host(), target.port()));
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                relay(ctx, backend, connecting.channel());
                return;
            }
            backend.connectFailed();
            log.debug("{}: connect to {} failed (attempt {}): {}", listener.name(), backend, attempt + 1, f.cause());
            if (attempt < listener.retries() && client.isActive()) {
                connect(ctx, attempt + 1);
            } else {
                client.close();
            }
        });
        client.closeFuture().addListener(f -> {
            if (!connecting.isDone()) {
                connecting.channel().close();
            }
        });
    }

    private void relay(ChannelHandlerContext ctx, Backend backend, Channel server) {
        Channel client = ctx.channel();
        RelaySession session = new RelaySession(client, server);
        if (!client.isActive() || !backend.register(session)) {
            session.kill();
            return;
        }
        TrafficCounters perServer = backend.traffic();
        perServer.sessionOpened();
        server.closeFuture().addListener(f -> {
            perServer.sessionClosed();
            backend.unregister(session);
        });
        ListenerConfig listener = router.listener();
        client.pipeline().addLast(
                new IdleStateHandler(0, 0, listener.timeouts().client().toMillis(), TimeUnit.MILLISECONDS),
                new RelayHandler(server, n -> {
                    perServer.addBytesIn(n);
                    frontend.addBytesIn(n);
                }));
        List<Object> held = new ArrayList<>(early);
        early.clear();
        client.pipeline().remove(this);
        for (Object msg : held) {
            client.pipeline().fireChannelRead(msg);
        }
        client.pipeline().fireChannelReadComplete();
        if (earlyInputShutdown) {
            client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
        RelayHandler.setReading(server, true);
        RelayHandler.setReading(client, true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        early.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            earlyInputShutdown = true;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        early.forEach(ReferenceCountUtil::release);
        early.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
