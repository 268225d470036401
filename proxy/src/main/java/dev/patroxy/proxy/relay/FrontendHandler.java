package dev.patroxy.proxy.relay;

import dev.patroxy.config.Balance;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.HoldQueue;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.TrafficCounters;
import dev.patroxy.stats.AdminState;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the server side of a new client session: asks the router for a server, connects on the client's own
 * event loop (no thread hop between the two sides), retries as configured, then hands both channels to
 * {@link RelayHandler}s and steps out of the pipeline. Before any of that it reads the client's first packet itself
 * ({@link FirstPacket}, under {@code timeout client-hello}), so that a client that stalls or is not a PostgreSQL
 * client costs no place and no server connection; then it reads nothing until the relay, though a transport may
 * still deliver bytes and a half-close early (epoll reads on EPOLLRDHUP). The first packet and those are held and
 * replayed. Where the session is, and what it gives back when it ends, is its {@link SessionLifecycle}'s.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    /** One line per session when a listener has {@code log: tcplog}; its own logger so it can be routed apart. */
    private static final Logger TCPLOG = LoggerFactory.getLogger("patroxy.tcplog");

    private final ListenerRouter router;
    private final TrafficCounters frontend;
    private final SessionLifecycle lifecycle;
    private final Runnable refused;
    private final Runnable startupTimedOut;
    private final Transport transport;
    private final FirstPacketRejections firstPacketRejections;
    private final SessionRegistry registry;
    private TrackedSession tracked;
    private final List<Object> early = new ArrayList<>();
    /** What has come of the client's first packet while patroxy reads it; null otherwise. */
    private ByteBuf firstPacket;
    /** Runs out {@code timeout client-hello}; null once the first packet is decided, or when it is not read. */
    private ScheduledFuture<?> firstPacketDeadline;
    private boolean earlyInputShutdown;
    private SessionLog sessionLog;
    private HeldClient heldClient;
    /** Runs out {@code timeout client-startup} after the session began its startup; null when not in one. */
    private ScheduledFuture<?> startupDeadline;
    /** A copy of what the client sent while its server's first answer is awaited; null otherwise. */
    private ByteBuf sent;

    /**
     * @param limits the places a client must take before it is served, in order; while one is full the client
     *     waits, unread
     * @param startupIndex which of {@code limits} is the proxy's limit on sessions in their startup
     * @param startupTimedOut told of each client closed at {@code timeout client-startup}
     * @param firstPacketPlaces the proxy's bound on clients whose first packet is being read
     * @param firstPacketRejections told of each client closed before its first packet was read whole
     * @param registry where the session is listed while it is open
     */
    FrontendHandler(ListenerRouter router, List<Admission> limits, int startupIndex, TrafficCounters frontend,
            Runnable refused, Runnable startupTimedOut, Transport transport, FirstPacketPlaces firstPacketPlaces,
            FirstPacketRejections firstPacketRejections, SessionRegistry registry) {
        this.router = router;
        this.frontend = frontend;
        this.lifecycle = new SessionLifecycle(limits, startupIndex, frontend, firstPacketPlaces);
        this.refused = refused;
        this.startupTimedOut = startupTimedOut;
        this.transport = transport;
        this.firstPacketRejections = firstPacketRejections;
        this.registry = registry;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        tracked = registry.opened(router.listener().name(), ctx.channel());
        if (router.listener().tcplog()) {
            SessionLog record = new SessionLog(ctx.channel().remoteAddress(), router.listener().name(),
                    System.currentTimeMillis(), System.nanoTime());
            sessionLog = record;
            ctx.channel().closeFuture().addListener(f -> TCPLOG.info(record.line(System.nanoTime())));
        } else {
            sessionLog = SessionLog.OFF;
        }
        ctx.channel().closeFuture().addListener(lifecycle);
        Duration hello = router.listener().timeouts().clientHello();
        if (hello.isZero()) {
            admitClient(ctx);
            return;
        }
        if (!lifecycle.readingFirstPacket()) {
            rejectFirstPacket(ctx, FirstPacketRejections.Reason.OVER_LIMIT, null,
                    SessionLog.Termination.FIRST_PACKET_OVER_LIMIT);
            ctx.close();
            return;
        }
        firstPacketDeadline = ctx.executor().schedule(() -> firstPacketExpired(ctx), hello.toNanos(),
                TimeUnit.NANOSECONDS);
        ctx.read();
    }

    /**
     * Adds what came to the first packet read so far; once it is whole, the client goes on to take its places with
     * the packet held for its server, or is refused as PostgreSQL refuses a bad one.
     */
    private void readFirstPacket(ChannelHandlerContext ctx, ByteBuf bytes) {
        firstPacket = firstPacket == null ? bytes
                : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), firstPacket, bytes);
        FirstPacket.Decision decision = FirstPacket.decide(firstPacket);
        if (decision.outcome() == FirstPacket.Outcome.NEED_MORE) {
            return;
        }
        firstPacketDeadline.cancel(false);
        firstPacketDeadline = null;
        ByteBuf packet = firstPacket;
        firstPacket = null;
        if (!decision.proceeds()) {
            packet.release();
            rejectFirstPacket(ctx, FirstPacketRejections.Reason.INVALID, decision.reason(),
                    SessionLog.Termination.FIRST_PACKET_INVALID);
            if (decision.sqlState() == null) {
                ctx.close();
            } else {
                ctx.writeAndFlush(PgStartup.fatalError(ctx.alloc(), decision.sqlState(), decision.reason()))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        lifecycle.firstPacketRead();
        early.add(packet);
        admitClient(ctx);
    }

    private void firstPacketExpired(ChannelHandlerContext ctx) {
        firstPacketDeadline = null;
        if (!lifecycle.inFirstPacket()) {
            return;
        }
        int got = firstPacket == null ? 0 : firstPacket.readableBytes();
        rejectFirstPacket(ctx, FirstPacketRejections.Reason.TIMEOUT, got + " bytes of it within "
                + router.listener().timeouts().clientHello().toMillis() + " ms",
                SessionLog.Termination.FIRST_PACKET_TIMEOUT);
        ctx.close();
    }

    private void rejectFirstPacket(ChannelHandlerContext ctx, FirstPacketRejections.Reason reason, String detail,
            SessionLog.Termination termination) {
        sessionLog.end(termination);
        firstPacketRejections.rejected(reason, ctx.channel().remoteAddress(), detail, ctx.executor());
    }

    /** Takes the client's places in order; stops, unread, at the first that is full until it frees. */
    private void admitClient(ChannelHandlerContext ctx) {
        while (!lifecycle.hasAllPlaces()) {
            if (!lifecycle.enterNext(new ClientWaiter(ctx))) {
                return;
            }
        }
        lifecycle.admitted();
        connect(ctx, 0);
    }

    /** A client waiting for a place under one of its limits, unread meanwhile. */
    private final class ClientWaiter implements Admission.Waiter {
        private final ChannelHandlerContext ctx;

        ClientWaiter(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void admitted() {
            ctx.executor().execute(() -> {
                if (lifecycle.placeGiven()) {
                    admitClient(ctx);
                }
            });
        }
    }

    /** Routes the session to a server, waiting in the server's queue while it is at its {@code maxconn}. */
    private void connect(ChannelHandlerContext ctx, int attempt) {
        if (!lifecycle.routing()) {
            return;
        }
        Optional<Backend> picked = router.pick();
        if (picked.isEmpty()) {
            HeldClient held = heldClient(ctx);
            if (held != null && held.hold(attempt)) {
                return;
            }
            refuse(ctx);
            return;
        }
        Backend backend = picked.get();
        sessionLog.serverChosen(backend.server().name());
        QueuedSession waiter = new QueuedSession(ctx, backend, attempt);
        if (backend.admission().enterOrQueue(waiter)) {
            sessionLog.queued(0);
            open(ctx, backend, attempt);
        } else {
            lifecycle.queuedOnServer(backend, waiter);
            waiter.startTimeout();
        }
    }

    /** The client's hold, started when first needed; null when the listener turns clients away at once. */
    private HeldClient heldClient(ChannelHandlerContext ctx) {
        Duration hold = router.listener().timeouts().hold();
        if (heldClient == null && !hold.isZero()) {
            heldClient = new HeldClient(ctx, System.nanoTime() + hold.toNanos());
        }
        return heldClient;
    }

    /** No server took the client: closed at once, or answered 57P03 once its hold has run out. */
    private void refuse(ChannelHandlerContext ctx) {
        refused.run();
        sessionLog.end(SessionLog.Termination.NO_SERVER);
        if (heldClient == null) {
            log.debug("{}: no server takes new sessions; closing {}", router.listener().name(),
                    ctx.channel().remoteAddress());
            ctx.close();
        } else {
            turnAway(ctx, router.listener().timeouts().hold());
        }
    }

    /**
     * A client waiting while no server takes sessions; everything it does runs on the client's event loop. A
     * client released into a router that has lost its server again waits out what is left of its hold.
     */
    private final class HeldClient implements HoldQueue.Held {
        private final ChannelHandlerContext ctx;
        private final long deadlineNanos;
        private ScheduledFuture<?> timeout;
        private int attempt;

        HeldClient(ChannelHandlerContext ctx, long deadlineNanos) {
            this.ctx = ctx;
            this.deadlineNanos = deadlineNanos;
        }

        /** Holds the client for what is left of its hold; false if nothing is left. */
        boolean hold(int attempt) {
            if (!enqueue(attempt)) {
                return false;
            }
            if (router.pick().isPresent()) {
                // A server came back between the pick that found none and the hold: nobody else will release.
                router.releaseHeld();
            }
            return true;
        }

        /**
         * Holds a client whose server {@code failed} refused every attempt until the router next changes (a health
         * or DCS change), with fresh retries then; false if nothing is left of its hold. If the router already
         * routes elsewhere (the change came before this client was queued), the held clients go at once.
         */
        boolean holdUntilRerouted(Backend failed) {
            if (!enqueue(0)) {
                return false;
            }
            if (router.pick().filter(b -> b != failed).isPresent()) {
                router.releaseHeld();
            }
            return true;
        }

        private boolean enqueue(int attempt) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            this.attempt = attempt;
            router.held().hold(this);
            lifecycle.held(router.held(), this);
            timeout = ctx.executor().schedule(this::expire, left, TimeUnit.NANOSECONDS);
            return true;
        }

        private void expire() {
            if (router.held().timeOut(this)) {
                connect(ctx, attempt);
            }
        }

        @Override
        public void release(long delayNanos) {
            ctx.executor().schedule(() -> {
                timeout.cancel(false);
                connect(ctx, attempt);
            }, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Answers a client whose hold ran out as PostgreSQL answers while it cannot take connections (SQLSTATE 57P03,
     * naming each server's state), rather than with a bare reset; the bytes it sent meanwhile are read by the answer.
     */
    private void turnAway(ChannelHandlerContext ctx, Duration hold) {
        String servers = router.backends().stream()
                .map(b -> b.server().name() + " " + (b.admin().state() == AdminState.READY ? b.health().state()
                        : b.admin().state()))
                .collect(Collectors.joining(", "));
        String message = "patroxy: no server of listener " + router.listener().name() + " took the session within "
                + hold.toMillis() + " ms on hold (" + servers + (router.paused() ? "; a switchover under way" : "")
                + (router.disabled() ? "; the listener is disabled" : "") + ")";
        log.info("{}: turning {} away: {}", router.listener().name(), ctx.channel().remoteAddress(), message);
        lifecycle.turningAway();
        startStartupDeadline(ctx);
        List<Object> replay = takeEarly();
        ctx.pipeline().addLast(new CannotConnectNowHandler(message));
        ctx.pipeline().remove(this);
        replayEarly(ctx.pipeline(), replay);
    }

    /** What the client sent before it was served; taken before this handler leaves, which would release it. */
    private List<Object> takeEarly() {
        List<Object> taken = new ArrayList<>(early);
        early.clear();
        return taken;
    }

    /** Sends what the client sent before it was served (bytes and a half-close) through its pipeline as it is now. */
    private void replayEarly(ChannelPipeline pipeline, List<Object> replay) {
        for (Object msg : replay) {
            pipeline.fireChannelRead(msg);
        }
        pipeline.fireChannelReadComplete();
        if (earlyInputShutdown) {
            pipeline.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }

    /** A session waiting for a place on its server; everything it does runs on the client's event loop. */
    private final class QueuedSession implements Admission.Waiter {
        private final ChannelHandlerContext ctx;
        private final Backend backend;
        private final int attempt;
        private ScheduledFuture<?> timeout;
        private long queuedAt;

        QueuedSession(ChannelHandlerContext ctx, Backend backend, int attempt) {
            this.ctx = ctx;
            this.backend = backend;
            this.attempt = attempt;
        }

        void startTimeout() {
            queuedAt = System.nanoTime();
            long millis = router.listener().timeouts().queue().toMillis();
            timeout = ctx.executor().schedule(this::giveUp, millis, TimeUnit.MILLISECONDS);
        }

        private void giveUp() {
            if (backend.admission().timeOut(this)) {
                sessionLog.end(SessionLog.Termination.QUEUE_TIMEOUT);
                log.debug("{}: no place on {} within timeout queue; closing {}", router.listener().name(), backend,
                        ctx.channel().remoteAddress());
                ctx.close();
            }
        }

        @Override
        public void admitted() {
            ctx.executor().execute(() -> {
                timeout.cancel(false);
                sessionLog.queued(System.nanoTime() - queuedAt);
                if (!lifecycle.serverPlaceGiven(backend)) {
                    return;
                }
                if (!backend.isRoutable()) {
                    backend.admission().leave();
                    connect(ctx, attempt);
                } else {
                    open(ctx, backend, attempt);
                }
            });
        }
    }

    /** Connects to {@code backend}, holding one of its places until the server side closes. */
    private void open(ChannelHandlerContext ctx, Backend backend, int attempt) {
        Channel client = ctx.channel();
        ListenerConfig listener = router.listener();
        SessionCounters counters = new SessionCounters(backend.traffic(), frontend, sessionLog, tracked);
        SessionLifecycle.ServerLeg leg = new SessionLifecycle.ServerLeg(backend);
        ChannelFuture connecting = transport.keepaliveOn(new Bootstrap())
                .group(client.eventLoop())
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 0)
                .option(ChannelOption.ALLOCATOR, transport.allocator())
                .option(ChannelOption.RCVBUF_ALLOCATOR, transport.readSizes())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new RelayHandler(client, listener.timeouts().server(), listener.timeouts().clientFin(),
                        counters, false))
                .resolver(backend.addressResolver())
                .connect(backend.connectAddress());
        if (connecting.isDone() && !connecting.channel().isRegistered()) {
            // No socket could even be made (out of file descriptors): there is no channel to close or to wait for.
            leg.closed();
            connectFailed(ctx, backend, attempt, connecting.cause());
            return;
        }
        connecting.channel().closeFuture().addListener(leg);
        ChannelFutureListener abandonOnClientClose = f -> connecting.channel().close();
        client.closeFuture().addListener(abandonOnClientClose);
        ScheduledFuture<?> connectTimeout = client.eventLoop().schedule(() -> {
            if (((ChannelPromise) connecting).tryFailure(new ConnectTimeoutException(
                    "connection timed out after " + listener.timeouts().connect().toMillis() + " ms: " + backend))) {
                connecting.channel().close();
            }
        }, listener.timeouts().connect().toNanos(), TimeUnit.NANOSECONDS);
        connecting.addListener(f -> {
            connectTimeout.cancel(false);
            client.closeFuture().removeListener(abandonOnClientClose);
            if (f.isSuccess()) {
                sessionLog.connected(System.nanoTime());
                relay(ctx, leg, connecting.channel(), counters);
                return;
            }
            connecting.channel().close();
            connectFailed(ctx, backend, attempt, f.cause());
        });
    }

    /** A connection to {@code backend} failed: try again, hold the client until the routing changes, or close it. */
    private void connectFailed(ChannelHandlerContext ctx, Backend backend, int attempt, Throwable cause) {
        Channel client = ctx.channel();
        ListenerConfig listener = router.listener();
        backend.connectFailed();
        log.debug("{}: connect to {} failed (attempt {}): {}", listener.name(), backend, attempt + 1, cause);
        // A primary whose check is down is routed only because the leader key names it (its link cut, or its REST API
        // hung): a connection it did not take says the former, and a retry would only wait out the timeout again.
        boolean keptByTheKeyAlone = listener.balance() == Balance.PRIMARY && backend.check().isPresent()
                && !backend.health().state().isUp();
        if (attempt < listener.retries() && client.isActive() && !keptByTheKeyAlone) {
            sessionLog.retried();
            connect(ctx, attempt + 1);
            return;
        }
        // The server is going away faster than its check says (PostgreSQL stopping for a switchover): wait
        // for the routing to change rather than fail the client.
        HeldClient held = heldClient(ctx);
        if (held != null && client.isActive() && held.holdUntilRerouted(backend)) {
            return;
        }
        sessionLog.end(SessionLog.Termination.CONNECT_FAILED);
        client.close();
    }

    private void relay(ChannelHandlerContext ctx, SessionLifecycle.ServerLeg leg, Channel server,
            SessionCounters counters) {
        Channel client = ctx.channel();
        RelaySession session = new RelaySession(client, server, sessionLog);
        RelayHandler toClient = server.pipeline().get(RelayHandler.class);
        if (!client.isActive() || toClient == null || !leg.relaying(session)) {
            session.kill();
            return;
        }
        Backend backend = leg.backend();
        tracked.relayedTo(backend.server().name());
        ListenerConfig listener = router.listener();
        RelayHandler fromClient = new RelayHandler(server, listener.timeouts().client(),
                listener.timeouts().serverFin(), counters, true);
        client.pipeline().addLast(fromClient);
        RelayHandler.link(fromClient, toClient);
        List<Object> replay = takeEarly();
        if (listener.timeouts().hold().isZero()) {
            client.pipeline().remove(this);
            pastStartup();
        } else {
            watch(ctx, backend, server);
        }
        replayEarly(client.pipeline(), replay);
        RelayHandler.setReading(server, true);
        RelayHandler.setReading(client, true);
    }

    /**
     * Stays in the client's pipeline while the server's first answer is read ({@link StartupWatch}), keeping a
     * copy of what the client sends, so that a server turning the session away before authentication (57P03)
     * can be replaced by another: that is the instant a primary stops for a switchover. On a primary listener the
     * watch goes on to the end of authentication ({@link RecoveryWatch}): a node in recovery never gets the client
     * (a standby cluster's leader excepted, see {@link ListenerRouter#wantsWritable}).
     */
    private void watch(ChannelHandlerContext ctx, Backend backend, Channel server) {
        // Short-lived and small: a plain array dies young, where a pooled buffer would grow the allocator's
        // arenas while thousands of sessions start at once (0.3 KiB of resident memory per idle session).
        sent = Unpooled.buffer(256);
        lifecycle.watching();
        startStartupDeadline(ctx);
        RecoveryWatch recoveryWatch = !router.wantsWritable(backend) ? null
                : new RecoveryWatch(new RecoveryWatch.Session() {
                    @Override
                    public void committed() {
                        stopWatching(ctx);
                    }

                    @Override
                    public void ended() {
                        pastStartup();
                    }

                    @Override
                    public void inRecovery(boolean replayable) {
                        backend.seenInRecovery();
                        if (replayable && sent != null) {
                            routeAgain(ctx, backend, server, "is in recovery (in_hot_standby on)");
                        } else {
                            refuseInRecovery(ctx, backend, server);
                        }
                    }
                });
        server.pipeline().addFirst(new StartupWatch(new StartupWatch.Session() {
            @Override
            public ByteBuf sent() {
                return sent;
            }

            @Override
            public void passed() {
                stopWatching(ctx);
                pastStartup();
            }

            @Override
            public void turnedAway() {
                backend.connectFailed();
                routeAgain(ctx, backend, server, "cannot take connections now (57P03 before authentication)");
            }
        }, recoveryWatch));
    }

    /**
     * (Re)starts the client's startup clock: on entering WATCHING, with each server it is relayed to, and on
     * TURNING_AWAY. Time spent waiting for a place, on a server's queue, on hold or connecting is not the client's
     * and has deadlines of its own.
     */
    private void startStartupDeadline(ChannelHandlerContext ctx) {
        Duration limit = router.listener().timeouts().clientStartup();
        if (startupDeadline != null) {
            startupDeadline.cancel(false);
        }
        if (!limit.isZero()) {
            startupDeadline = ctx.channel().eventLoop().schedule(() -> startupExpired(ctx), limit.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void startupExpired(ChannelHandlerContext ctx) {
        startupDeadline = null;
        if (!lifecycle.inStartup()) {
            return;
        }
        startupTimedOut.run();
        sessionLog.end(SessionLog.Termination.STARTUP_TIMEOUT);
        log.debug("{}: {} did not finish its startup within timeout client-startup ({} ms); closing",
                router.listener().name(), ctx.channel().remoteAddress(),
                router.listener().timeouts().clientStartup().toMillis());
        ctx.channel().close();
    }

    /** The server answered the startup for good: the session is a relay like any other from now on. */
    private void pastStartup() {
        lifecycle.pastStartup();
        if (startupDeadline != null) {
            startupDeadline.cancel(false);
            startupDeadline = null;
        }
    }

    private void stopWatching(ChannelHandlerContext ctx) {
        if (sent != null) {
            sent.release();
            sent = null;
        }
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
    }

    /** The server turned the client away before it saw anything of it: detach it, and route the startup anew. */
    private void routeAgain(ChannelHandlerContext ctx, Backend backend, Channel server, String why) {
        Channel client = ctx.channel();
        ByteBuf replay = FirstAnswer.replay(sent);
        sent.release();
        sent = null;
        detach(client, server);
        tracked.relayedTo("");
        log.info("{}: {} {}; routing {} again", router.listener().name(), backend, why, client.remoteAddress());
        sessionLog.retried();
        early.add(replay);
        if (!heldClient(ctx).holdUntilRerouted(backend)) {
            refuse(ctx);
        }
    }

    private static void detach(Channel client, Channel server) {
        RelayHandler.setReading(client, false);
        client.pipeline().remove(RelayHandler.class);
        server.pipeline().remove(RelayHandler.class);
        server.close();
    }

    /**
     * The client authenticated with a node in recovery: that session cannot go elsewhere, and must not go on. It
     * ends with 57P03, as a server that cannot take connections now would answer, so the client connects again.
     */
    private void refuseInRecovery(ChannelHandlerContext ctx, Backend backend, Channel server) {
        Channel client = ctx.channel();
        detach(client, server);
        String message = "patroxy: " + backend.server().name() + " is in recovery (read-only) and cannot serve "
                + "the primary listener " + router.listener().name() + "; connect again";
        log.info("{}: {} is in recovery (in_hot_standby on after authentication); ending {} with 57P03",
                router.listener().name(), backend, client.remoteAddress());
        sessionLog.end(SessionLog.Termination.IN_RECOVERY);
        client.writeAndFlush(PgStartup.fatalError(client.alloc(), CannotConnectNowHandler.CANNOT_CONNECT_NOW,
                message)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (firstPacketDeadline != null) {
            readFirstPacket(ctx, (ByteBuf) msg);
            return;
        }
        if (sent == null) {
            early.add(msg);
            return;
        }
        ByteBuf bytes = (ByteBuf) msg;
        if (sent.readableBytes() + bytes.readableBytes() > FirstAnswer.LIMIT) {
            stopWatching(ctx);
        } else {
            sent.writeBytes(bytes, bytes.readerIndex(), bytes.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    /** While the first packet is incomplete, asks for more of it; otherwise the client is read by the relay. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (firstPacketDeadline != null) {
            ctx.read();
        } else {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && firstPacketDeadline != null) {
            firstPacketDeadline.cancel(false);
            firstPacketDeadline = null;
            rejectFirstPacket(ctx, FirstPacketRejections.Reason.INCOMPLETE, null,
                    SessionLog.Termination.FIRST_PACKET_INCOMPLETE);
            ctx.close();
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            earlyInputShutdown = true;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (firstPacketDeadline != null) {
            // A client gone in its first packet: its deadline need not keep the session's handler alive.
            firstPacketDeadline.cancel(false);
            firstPacketDeadline = null;
        }
        if (firstPacket != null) {
            firstPacket.release();
            firstPacket = null;
        }
        early.forEach(ReferenceCountUtil::release);
        early.clear();
        if (sent != null) {
            sent.release();
            sent = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
