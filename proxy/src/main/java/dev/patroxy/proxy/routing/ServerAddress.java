package dev.patroxy.proxy.routing;

import dev.patroxy.config.HostPort;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one server's sessions connect. A host name is looked up on a resolving thread, never on an event loop: at
 * start, again {@link #RESOLVED_FOR} after each good answer, and after a failed connection (a node whose name now
 * points elsewhere), at most once per {@link #RETRY_AFTER}. Meanwhile connections go to the last good address; a
 * failed lookup keeps it, and is counted and logged at most once per {@link #LOG_EVERY}.
 *
 * <p>Until the first answer there is no good address: a connection then waits for the lookup under way through
 * {@link #resolverGroup()} (within its {@code timeout connect}), or fails at once while a failed lookup waits out
 * {@link #RETRY_AFTER}. An IP literal is never looked up.
 */
final class ServerAddress {
    /** How long an answer is used before the name is looked up again (the JVM's own positive cache TTL). */
    static final Duration RESOLVED_FOR = Duration.ofSeconds(30);
    /** The least time between two lookups of one name after a failed one or a failed connection. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    /** The least time between two log lines about one name that does not resolve. */
    static final Duration LOG_EVERY = Duration.ofMinutes(1);

    /**
     * The resolving threads every server shares. Two, so that one lookup hanging on a dead name server does not hold
     * up all the others. They start at the first lookup, so a process without host names never starts one, and end
     * after minutes without one: longer than {@link #RESOLVED_FOR}, so that a loop does not start a thread every
     * time a name is due.
     */
    static final Executor RESOLVING = resolvingThreads();

    private static final Logger log = LoggerFactory.getLogger(ServerAddress.class);

    private final String name;
    private final String host;
    private final int port;
    private final boolean literal;
    private final InetSocketAddress unresolved;
    private final HostLookup lookup;
    private final Executor resolving;
    private final LongSupplier nanoTime;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    /** Connections waiting for the first answer; guarded by {@code this}. */
    private final List<Promise<InetSocketAddress>> waiting = new ArrayList<>();
    private final LongAdder failedLookups = new LongAdder();
    private final Resolver resolver = new Resolver();
    private final ResolverGroup resolverGroup = new ResolverGroup();
    private volatile InetSocketAddress lastGood;
    private volatile long nextLookupAt;
    private volatile long lastLookupAt;
    private volatile boolean lastLookupFailed;
    private volatile UnknownHostException lastFailure;
    // Written only by the lookup in flight, of which there is one at a time.
    private long lastLoggedAt;
    private long failedSinceLogged;

    /**
     * @param name what log lines call the server
     * @param nanoTime the clock lookups are scheduled by
     */
    ServerAddress(String name, HostPort address, HostLookup lookup, Executor resolving, LongSupplier nanoTime) {
        this.name = name;
        this.host = address.host();
        this.port = address.port();
        this.lookup = lookup;
        this.resolving = resolving;
        this.nanoTime = nanoTime;
        this.unresolved = InetSocketAddress.createUnresolved(host, port);
        InetAddress literalAddress = NetUtil.createInetAddressFromIpAddressString(host);
        this.literal = literalAddress != null;
        this.lastGood = literal ? new InetSocketAddress(literalAddress, port) : null;
        long now = nanoTime.getAsLong();
        this.nextLookupAt = now;
        this.lastLookupAt = now - RETRY_AFTER.toNanos();
    }

    /** Starts the first lookup of a host name. */
    void start() {
        if (!literal) {
            lookUpIfDue();
        }
    }

    /**
     * The last good address, or while there is none the unresolved one, which {@link #resolverGroup()} answers once
     * the lookup does; starts a lookup when one is due. Never blocks.
     */
    InetSocketAddress forConnect() {
        InetSocketAddress address = lastGood;
        if (literal) {
            return address;
        }
        lookUpIfDue();
        return address != null ? address : unresolved;
    }

    /**
     * A connection to the server failed: its name may point elsewhere now, so it is looked up again soon, unless the
     * last lookup failed and waits out its own retry.
     */
    void connectFailed() {
        if (literal || lastLookupFailed) {
            return;
        }
        long soonest = lastLookupAt + RETRY_AFTER.toNanos();
        if (nextLookupAt - soonest > 0) {
            nextLookupAt = soonest;
        }
        lookUpIfDue();
    }

    /** Lookups of the host name that failed. */
    long failedLookups() {
        return failedLookups.sum();
    }

    /** What a connecting {@code Bootstrap} resolves the unresolved address with, without blocking its loop. */
    AddressResolverGroup<InetSocketAddress> resolverGroup() {
        return resolverGroup;
    }

    private void lookUpIfDue() {
        if (nanoTime.getAsLong() - nextLookupAt < 0 || !inFlight.compareAndSet(false, true)) {
            return;
        }
        try {
            resolving.execute(this::lookUp);
        } catch (RejectedExecutionException e) {
            finish(null, new UnknownHostException(host + ": no resolving thread (" + e.getMessage() + ")"));
        }
    }

    private void lookUp() {
        InetSocketAddress found = null;
        UnknownHostException failure = null;
        try {
            found = new InetSocketAddress(lookup.lookUp(host), port);
        } catch (UnknownHostException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new UnknownHostException(host + ": " + e);
        }
        finish(found, failure);
    }

    /** Publishes a lookup's answer and lets the next one start; on the resolving thread. */
    private void finish(InetSocketAddress found, UnknownHostException failure) {
        long now = nanoTime.getAsLong();
        report(found, failure, now);
        List<Promise<InetSocketAddress>> answered;
        synchronized (this) {
            if (found != null) {
                lastGood = found;
            }
            lastFailure = failure;
            lastLookupFailed = found == null;
            lastLookupAt = now;
            nextLookupAt = now + (found != null ? RESOLVED_FOR : RETRY_AFTER).toNanos();
            answered = List.copyOf(waiting);
            waiting.clear();
            inFlight.set(false);
        }
        for (Promise<InetSocketAddress> promise : answered) {
            if (found != null) {
                promise.trySuccess(found);
            } else {
                promise.tryFailure(failure);
            }
        }
    }

    private void report(InetSocketAddress found, UnknownHostException failure, long now) {
        InetSocketAddress previous = lastGood;
        if (found != null) {
            if (lastLookupFailed) {
                log.info("{}: {} resolves again, to {}", name, host, found.getAddress().getHostAddress());
            } else if (previous != null && !previous.getAddress().equals(found.getAddress())) {
                log.info("{}: {} now resolves to {} (was {})", name, host, found.getAddress().getHostAddress(),
                        previous.getAddress().getHostAddress());
            }
            return;
        }
        failedLookups.increment();
        failedSinceLogged++;
        if (!lastLookupFailed || now - lastLoggedAt >= LOG_EVERY.toNanos()) {
            log.warn("{}: cannot resolve {} ({} failed lookups since the last line): {}; {}", name, host,
                    failedSinceLogged, failure.getMessage(), previous == null
                            ? "no connection until it resolves"
                            : "connecting to " + previous.getAddress().getHostAddress() + " meanwhile");
            lastLoggedAt = now;
            failedSinceLogged = 0;
        }
    }

    /** Answers at once with the last good address, or once the lookup under way does. */
    private void resolve(Promise<InetSocketAddress> promise) {
        InetSocketAddress address = lastGood;
        if (address == null) {
            synchronized (this) {
                address = lastGood;
                if (address == null) {
                    if (!inFlight.get() && nanoTime.getAsLong() - nextLookupAt < 0) {
                        UnknownHostException failure = lastFailure;
                        promise.tryFailure(failure != null ? failure : new UnknownHostException(host));
                        return;
                    }
                    waiting.add(promise);
                }
            }
        }
        if (address != null) {
            promise.trySuccess(address);
        } else {
            lookUpIfDue();
        }
    }

    private static Executor resolvingThreads() {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor threads = new ThreadPoolExecutor(2, 2, 5, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "patroxy-resolve-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        threads.allowCoreThreadTimeOut(true);
        return threads;
    }

    /**
     * Hands {@code Bootstrap} the one resolver of this server whatever its event loop: the answer needs no loop of its
     * own ({@code Bootstrap} connects on the channel's loop), and the per-loop map of the base class would put a
     * listener on every worker loop that keeps a replaced configuration's servers alive.
     */
    private final class ResolverGroup extends AddressResolverGroup<InetSocketAddress> {
        @Override
        public AddressResolver<InetSocketAddress> getResolver(EventExecutor executor) {
            return resolver;
        }

        @Override
        protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
            return resolver;
        }
    }

    private final class Resolver implements AddressResolver<InetSocketAddress> {
        @Override
        public boolean isSupported(SocketAddress address) {
            return unresolved.equals(address) || address instanceof InetSocketAddress a && !a.isUnresolved();
        }

        @Override
        public boolean isResolved(SocketAddress address) {
            return !((InetSocketAddress) address).isUnresolved();
        }

        @Override
        public Future<InetSocketAddress> resolve(SocketAddress address) {
            return resolve(address, ImmediateEventExecutor.INSTANCE.newPromise());
        }

        @Override
        public Future<InetSocketAddress> resolve(SocketAddress address, Promise<InetSocketAddress> promise) {
            if (!isSupported(address)) {
                return promise.setFailure(new UnknownHostException(address + " is not " + unresolved));
            }
            if (isResolved(address)) {
                return promise.setSuccess((InetSocketAddress) address);
            }
            ServerAddress.this.resolve(promise);
            return promise;
        }

        @Override
        public Future<List<InetSocketAddress>> resolveAll(SocketAddress address) {
            return resolveAll(address, ImmediateEventExecutor.INSTANCE.newPromise());
        }

        @Override
        public Future<List<InetSocketAddress>> resolveAll(SocketAddress address,
                Promise<List<InetSocketAddress>> promise) {
            resolve(address).addListener(f -> {
                if (f.isSuccess()) {
                    promise.trySuccess(List.of((InetSocketAddress) f.getNow()));
                } else {
                    promise.tryFailure(f.cause());
                }
            });
            return promise;
        }

        @Override
        public void close() {
            // Holds nothing of its own: the resolving threads are shared and end when idle.
        }
    }
}
