package dev.patroxy.proxy.routing;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.proxy.health.CheckTarget;
import dev.patroxy.proxy.health.HealthSnapshot;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.concurrent.atomic.LongAdder;

/**
 * One server as one listener uses it: whether it takes new sessions, the sessions it holds, its counters, and
 * the latest published health, and what an operator set it to ({@link ServerAdmin}). The health-check thread writes
 * the routing flag and health; event loops read them and register sessions. The admin state is a cell shared with
 * the same server of other configurations: the caller of an admin command and the health-check threads update it
 * atomically ({@link #updateAdmin}); routing reads it on each refresh, never per session.
 */
public final class Backend {
    private final String listenerName;
    private final ServerConfig server;
    private final Optional<CheckConfig> check;
    private final TrafficCounters traffic = new TrafficCounters();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder killedSessions = new LongAdder();
    private final Set<ProxiedSession> sessions = ConcurrentHashMap.newKeySet();
    private final Admission admission;
    private final AtomicReference<ServerAdmin> admin;
    private volatile boolean routable;
    private volatile HealthSnapshot health;
    private volatile String reportedRole;
    private volatile long reportedTimeline;
    private volatile boolean reportedFailsafe;
    private final ServerAddress address;
    private volatile Runnable connectFailureListener = () -> { };
    private volatile Runnable inRecoveryListener = () -> { };

    /** A server whose host name, if it has one, is looked up on the JDK's resolver, off the event loops. */
    public Backend(String listenerName, ServerConfig server, Optional<CheckConfig> check, Instant now) {
        this(listenerName, server, check, now, new AtomicReference<>(ServerAdmin.initial()));
    }

    /** As the other public constructor, with the admin state kept in {@code admin}, which outlives a reload. */
    public Backend(String listenerName, ServerConfig server, Optional<CheckConfig> check, Instant now,
            AtomicReference<ServerAdmin> admin) {
        this(listenerName, server, check, now, HostLookup.SYSTEM, ServerAddress.RESOLVING, admin);
    }

    /** As the public constructor, with {@code lookup} run on {@code resolving} for a host name. */
    Backend(String listenerName, ServerConfig server, Optional<CheckConfig> check, Instant now, HostLookup lookup,
            Executor resolving) {
        this(listenerName, server, check, now, lookup, resolving, new AtomicReference<>(ServerAdmin.initial()));
    }

    private Backend(String listenerName, ServerConfig server, Optional<CheckConfig> check, Instant now,
            HostLookup lookup, Executor resolving, AtomicReference<ServerAdmin> admin) {
        this.admin = admin;
        this.listenerName = listenerName;
        this.server = server;
        this.check = check;
        this.admission = new Admission(server.maxconn(), System::nanoTime);
        this.health = check.map(c -> HealthSnapshot.initial(now, c.rise())).orElseGet(() -> HealthSnapshot.unchecked(now));
        this.address = new ServerAddress(toString(), server.address(), lookup, resolving, System::nanoTime);
        address.start();
    }

    /**
     * The server's socket address, shared by every session so that an idle session holds no address object of its
     * own for it. A host name is looked up again now and then on a resolving thread, never on the caller's (see
     * {@link ServerAddress}): HAProxy needs a {@code resolvers} section for a node whose name now points elsewhere.
     * Before the first answer this is the unresolved address, which only {@link #addressResolver()} resolves.
     */
    public InetSocketAddress connectAddress() {
        return address.forConnect();
    }

    /**
     * The resolver a connecting {@code Bootstrap} must use: it answers {@link #connectAddress()} with the lookup under
     * way instead of looking the name up on the event loop, as Netty's default resolver would.
     */
    public AddressResolverGroup<InetSocketAddress> addressResolver() {
        return address.resolverGroup();
    }

    /** Lookups of the server's host name that failed. */
    public long failedLookups() {
        return address.failedLookups();
    }

    public String listenerName() {
        return listenerName;
    }

    public ServerConfig server() {
        return server;
    }

    /** The health check, or empty when the server is not checked and always UP. */
    public Optional<CheckConfig> check() {
        return check;
    }

    /** What its check asks of whom, or empty when the server is not checked. */
    public Optional<CheckTarget> checkTarget() {
        return check.map(c -> new CheckTarget(server.checkAddress(), c, server.checkAccess()));
    }

    /** The server's {@code maxconn} and the sessions queued for a place. */
    public Admission admission() {
        return admission;
    }

    /** What an operator set the server to. */
    public ServerAdmin admin() {
        return admin.get();
    }

    /** Changes the admin state atomically; returns the one in force after. */
    public ServerAdmin updateAdmin(UnaryOperator<ServerAdmin> change) {
        return admin.updateAndGet(change);
    }

    /**
     * The server stopped taking new sessions: sessions queued for it go elsewhere, and its sessions are cut as its
     * admin state and {@code on-marked-down} say ({@link ServerAdmin#cutsSessionsWhenDropped}).
     *
     * @return how many sessions were cut
     */
    public int dropped(boolean shutdownSessionsOnDown) {
        admission.releaseQueue();
        return admin().cutsSessionsWhenDropped(shutdownSessionsOnDown) ? killSessions() : 0;
    }

    public TrafficCounters traffic() {
        return traffic;
    }

    public boolean isRoutable() {
        return routable;
    }

    void setRoutable(boolean routable) {
        this.routable = routable;
    }

    public HealthSnapshot health() {
        return health;
    }

    /**
     * @param reportedRole the role in the check's body, or null to keep the last one
     * @param reportedTimeline the timeline in the check's body, or 0 to keep the last one
     */
    public void publishHealth(HealthSnapshot health, String reportedRole, long reportedTimeline) {
        this.health = health;
        if (reportedRole != null) {
            this.reportedRole = reportedRole;
        }
        if (reportedTimeline > 0) {
            this.reportedTimeline = reportedTimeline;
        }
    }

    /**
     * Whether Patroni's latest answer to this server's check said its failsafe mode is active (false for an answer
     * without a body). A check that got no answer at all (refused, timed out) leaves it as the latest answer set it.
     */
    public boolean reportedFailsafe() {
        return reportedFailsafe;
    }

    public void publishFailsafe(boolean reportedFailsafe) {
        this.reportedFailsafe = reportedFailsafe;
    }

    /** PostgreSQL's timeline as Patroni last reported it in a GET check body, or 0. */
    public long reportedTimeline() {
        return reportedTimeline;
    }

    /** The role Patroni last reported in a GET check body, or null. */
    public String reportedRole() {
        return reportedRole;
    }

    public void connectFailed() {
        connectErrors.increment();
        address.connectFailed();
        connectFailureListener.run();
    }

    /**
     * Runs {@code listener} after each failed connection attempt, on the event loop that made it: a refused
     * connection says the server is going away sooner than its next check would.
     */
    public void onConnectFailure(Runnable listener) {
        this.connectFailureListener = listener;
    }

    /** A session found PostgreSQL in recovery on this server (a primary listener's server). */
    public void seenInRecovery() {
        inRecoveryListener.run();
    }

    /** Runs {@code listener} each time a session finds the server in recovery, on that session's event loop. */
    public void onSeenInRecovery(Runnable listener) {
        this.inRecoveryListener = listener;
    }

    public long connectErrors() {
        return connectErrors.sum();
    }

    public long killedSessions() {
        return killedSessions.sum();
    }

    /**
     * Adds a session that just connected. Returns false, leaving it out, if the server stopped taking sessions
     * meanwhile: the flag is cleared before {@link #killSessions} sweeps, so a session is either swept or refused.
     */
    public boolean register(ProxiedSession session) {
        sessions.add(session);
        if (!routable) {
            sessions.remove(session);
            return false;
        }
        return true;
    }

    public void unregister(ProxiedSession session) {
        sessions.remove(session);
    }

    public int sessionCount() {
        return sessions.size();
    }

    /**
     * Cuts every session this server holds (HAProxy's {@code on-marked-down shutdown-sessions}). Sessions queued
     * for it are sent elsewhere whatever the setting: see {@link Admission#releaseQueue()}.
     */
    public int killSessions() {
        int killed = 0;
        for (ProxiedSession session : sessions) {
            if (sessions.remove(session)) {
                // Counted first: whoever sees the session end finds it counted.
                killedSessions.increment();
                session.kill();
                killed++;
            }
        }
        return killed;
    }

    @Override
    public String toString() {
        return listenerName + "/" + server.name();
    }
}
