package dev.patroxy.proxy;

import dev.patroxy.config.AdminConfig;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.config.StatsConfig;
import dev.patroxy.proxy.admin.AdminActions;
import dev.patroxy.proxy.admin.AdminControl;
import dev.patroxy.proxy.admin.AdminStateFile;
import dev.patroxy.proxy.admin.AdminStates;
import dev.patroxy.proxy.admin.StatsPageAdmin;
import dev.patroxy.proxy.health.CheckRegistry;
import dev.patroxy.proxy.health.HealthMonitor;
import dev.patroxy.proxy.relay.FirstPacketPlaces;
import dev.patroxy.proxy.relay.ProxyListener;
import dev.patroxy.proxy.relay.SessionRegistry;
import dev.patroxy.proxy.relay.Transport;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.runtime.RuntimeCommands;
import dev.patroxy.proxy.runtime.RuntimeServer;
import dev.patroxy.proxy.tls.StatsTls;
import dev.patroxy.stats.AdminState;
import dev.patroxy.stats.ReloadStatus;
import dev.patroxy.stats.StatsAccess;
import dev.patroxy.stats.StatsLimits;
import dev.patroxy.stats.StatsServer;
import dev.patroxy.stats.StatsSnapshot;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: the event loops, the stats server and the {@link Generation} of the configuration in force,
 * plus the generations that reloads replaced while their sessions drain. This is the one place that knows every
 * module, so every dependency points here.
 */
public final class ProxyDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyDaemon.class);
    /** How often replaced generations are looked at: closed once drained, or cut at {@code reload-drain}. */
    static final Duration DRAIN_CHECK = Duration.ofSeconds(1);

    private final PatroxyConfig initial;
    private final Clock clock;
    private final Transport transport;
    private final Instant startedAt;
    private final List<Draining> draining = new CopyOnWriteArrayList<>();
    private final AdminStates adminStates = new AdminStates();
    private final SessionRegistry sessions = new SessionRegistry(System::nanoTime);
    private AdminControl admin;
    private volatile Generation current;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Admission globalLimit;
    private Admission startupLimit;
    private CheckRegistry checks;
    private LeaderWatches watches;
    private FirstPacketPlaces firstPacketPlaces;
    private StatsServer stats;
    private StatsSnapshots snapshots;
    /** The runtime API, once an {@code admin} section asks for it. */
    private RuntimeServer runtime;
    private ScheduledExecutorService drainer;
    /** Writes {@code admin.state-file}, one save after another, off the threads that change admin states. */
    private ExecutorService stateSaver;
    private long reloadsSucceeded;
    private long reloadsFailed;
    private String lastFailure;
    private Instant lastFailureAt;

    /** A replaced generation, and when its remaining sessions are cut (never, when empty). */
    private record Draining(Generation generation, Optional<Instant> cutAt) {
    }

    public ProxyDaemon(PatroxyConfig config, Clock clock, Transport transport) {
        this.initial = config;
        this.clock = clock;
        this.transport = transport;
        this.startedAt = clock.instant();
    }

    /** Binds every port and starts checking; on failure, releases whatever was started and rethrows. */
    public ProxyDaemon start() {
        try {
            boss = transport.newEventLoopGroup(1);
            workers = transport.newEventLoopGroup(relayThreads());
            globalLimit = new Admission(initial.global().maxconn(), System::nanoTime);
            globalLimit.onFullnessChange(() -> current.listeners().forEach(ProxyListener::updateAccepting));
            startupLimit = new Admission(initial.global().maxconnStartup(), System::nanoTime);
            startupLimit.onFullnessChange(() -> current.listeners().forEach(ProxyListener::updateAccepting));
            checks = CheckRegistry.overHttp(clock);
            watches = LeaderWatches.overEtcd(clock);
            firstPacketPlaces = FirstPacketPlaces.fromOpenFilesLimit(initial.global().maxconn());
            restoreAdminStates(initial.admin());
            stateSaver = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "patroxy-state-file");
                t.setDaemon(true);
                return t;
            });
            current = new Generation(initial, clock, adminStates, sessions).start(boss, workers, transport, globalLimit, startupLimit,
                    firstPacketPlaces, HealthMonitor.Knowledge.NONE, Set.of(), checks, watches);
            admin = new AdminControl(adminStates, () -> current.listeners(), this::allListeners, this::adminChanged,
                    globalLimit, initial.global().maxconn(), sessions, clock);
            snapshots = new StatsSnapshots(clock, startedAt, Version.current());
            stats = new StatsServer(
                    initial.stats().binds().stream().map(BindAddress::toSocketAddress).toList(),
                    this::snapshot, initial.stats().refresh(), statsLimits(initial.stats().limits()));
            stats.adminActions(new StatsPageAdmin(admin));
            stats.serve(StatsTls.access(initial.stats()));
            stats.start();
            applyAdmin(initial.admin());
            drainer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "patroxy-drain");
                t.setDaemon(true);
                return t;
            });
            drainer.scheduleWithFixedDelay(this::closeDrained, DRAIN_CHECK.toMillis(), DRAIN_CHECK.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        describe(current);
        log.info("stats on {}; transport {} on {} threads; at most {} clients in their first packet", initial.stats()
                .binds(), transport.describe(), relayThreads(), firstPacketPlaces.limit());
        return this;
    }

    /**
     * Waits until the first check of every server of the configuration in force has concluded, at most {@code atMost}
     * or as long as a first check can take, whichever is shorter.
     *
     * @return the servers, as {@code listener/server}, whose first check had not concluded; empty when all had
     */
    public List<String> awaitFirstChecks(Duration atMost) {
        HealthMonitor health = current.health();
        Duration within = health.firstAnswersWithin();
        Duration wait = within.compareTo(atMost) < 0 ? within : atMost;
        try {
            health.firstAnswers().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return health.unanswered();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return health.unanswered();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        return List.of();
    }

    /** What operators may change while the proxy runs: the runtime API's commands that act. */
    public AdminActions admin() {
        return admin;
    }

    /** The listeners of the configuration in force and of those replaced that still drain. */
    private List<ProxyListener> allListeners() {
        List<ProxyListener> all = new ArrayList<>(current.listeners());
        draining.forEach(d -> all.addAll(d.generation().listeners()));
        return all;
    }

    private void adminChanged(String why) {
        current.adminChanged(why);
        draining.forEach(d -> d.generation().adminChanged(why));
        saveAdminStates();
    }

    /** Takes back the admin states {@code admin.state-file} kept, before any listener starts. */
    private void restoreAdminStates(AdminConfig admin) {
        admin.stateFile().ifPresent(path -> {
            AdminStateFile.Loaded loaded = new AdminStateFile(path).load();
            adminStates.restore(loaded.servers());
            long set = loaded.servers().stream().filter(s -> s.state() != AdminState.READY
                    || s.weight() != s.initialWeight()).count();
            if (loaded.problem().isEmpty()) {
                log.info("server state file {}: {} servers, {} of them not READY at their initial weight", path,
                        loaded.servers().size(), set);
            }
        });
    }

    /** Writes every server's admin state to {@code admin.state-file}, if the configuration in force names one. */
    private void saveAdminStates() {
        Optional<Path> path = current.config().admin().stateFile();
        if (path.isEmpty()) {
            return;
        }
        List<AdminStateFile.Saved> saved = adminStates.saved();
        stateSaver.execute(() -> {
            try {
                new AdminStateFile(path.get()).save(saved);
            } catch (IOException | RuntimeException e) {
                log.error("server state file {} not written, the admin states are kept in memory only: {}",
                        path.get(), e.toString());
            }
        });
    }

    /** The names of the listeners of the configuration in force. */
    public List<String> listenerNames() {
        return current.config().listeners().stream().map(ListenerConfig::name).toList();
    }

    private static StatsLimits statsLimits(StatsConfig.Limits limits) {
        return new StatsLimits(limits.maxconn(), limits.maxRequestLine(), limits.maxHeaderSize(), limits.maxHeaders(),
                limits.httpRequest(), limits.httpKeepAlive(), limits.client());
    }

    /** The relay's event loops, which the stats server, on its own thread, never shares. */
    EventLoopGroup relayWorkers() {
        return workers;
    }

    private static void describe(Generation generation) {
        for (ProxyListener listener : generation.listeners()) {
            ListenerConfig c = listener.router().listener();
            log.info("listener {} on {} ({}, {})", c.name(), c.binds(), c.balance().configName(),
                    c.check().map(k -> "check " + k.describe() + " every " + k.interval().toMillis() + "ms")
                            .orElse("no health check: every server is UP"));
        }
        generation.config().dcs().ifPresent(dcs -> log.info("following Patroni's leader key {} in etcd at {}",
                dcs.leaderKey(), dcs.hosts()));
    }

    private int relayThreads() {
        int threads = initial.global().threads();
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /**
     * Puts {@code next} in force without dropping a client: it follows its checks and DCS watch (joining those
     * already running for the same check targets and {@code dcs} section, starting the others), its new addresses are
     * bound, then it takes over the current listening sockets on the addresses it keeps (their accept queues carry
     * on) and the current listeners close the rest. Sessions already open stay
     * with the configuration they started under, checked as before, until they end or {@code reload-drain} runs
     * out. What only a restart can change (event loops, buffers, keep-alive, the proxy-wide {@code maxconn},
     * stats but its certificate and users) is kept, and said. If the new listeners cannot bind, nothing changes.
     *
     * @return what the reload did, for the log
     */
    public synchronized String reload(PatroxyConfig next) {
        PatroxyConfig before = current.config();
        List<String> kept = new ArrayList<>();
        if (!before.global().sameExceptReloadDrain(next.global())) {
            kept.add("global (maxconn, maxconn-startup, io, threads, buffers, keepalive)");
        }
        StatsConfig statsInForce = before.stats().withAccessOf(next.stats());
        if (!statsInForce.equals(next.stats())) {
            kept.add("stats (bind, refresh, limits)");
        }
        // Built first: a certificate Netty refuses leaves everything as it was.
        StatsAccess statsAccess = StatsTls.access(next.stats());
        PatroxyConfig effective = new PatroxyConfig(next.source(),
                before.global().withReloadDrainOf(next.global()),
                statsInForce, next.servers(), next.listeners(), next.dcs(), next.admin());
        HealthMonitor.Knowledge known = current.knowledge();
        boolean sameKeys = before.dcs().isPresent() && next.dcs().isPresent()
                ? before.dcs().get().sameKeys(next.dcs().get())
                : before.dcs().equals(next.dcs());
        if (!sameKeys) {
            known = known.forgetLeader();
        }
        // First: a socket that cannot be bound refuses the reload before anything else changed.
        applyAdmin(next.admin());
        Generation fresh;
        try {
            fresh = new Generation(effective, clock, adminStates, sessions).start(boss, workers, transport, globalLimit, startupLimit,
                    firstPacketPlaces, known, current.boundAddresses(), checks, watches);
        } catch (RuntimeException e) {
            restoreAdmin(before);
            throw new IllegalStateException("cannot start the new configuration: " + e.getMessage(), e);
        }
        Generation old = current;
        fresh.takeOver(old);
        current = fresh;
        stats.serve(statsAccess);
        old.stopAccepting();
        Optional<Instant> cutAt = effective.global().reloadDrain().map(d -> clock.instant().plus(d));
        draining.add(new Draining(old, cutAt));
        reloadsSucceeded++;
        lastFailure = null;
        lastFailureAt = null;
        describe(fresh);
        String summary = "reloaded " + next.source() + "; " + old.sessions() + " sessions of the previous configuration"
                + " drain" + cutAt.map(t -> " until " + t).orElse(" until they end")
                + (kept.isEmpty() ? "" : "; kept until a restart: " + String.join(", ", kept));
        log.info(summary);
        return summary;
    }

    /** Serves the runtime API as {@code admin} says, starting it the first time one is asked for. */
    private void applyAdmin(AdminConfig admin) {
        if (runtime == null && !admin.serves()) {
            return;
        }
        if (runtime == null) {
            runtime = new RuntimeServer(new RuntimeCommands(new DaemonView(() -> current, this::snapshot,
                    this::pendingRelayTasks, relayThreads(), initial.global().maxconn(), hostName()),
                    Optional.of(this.admin)));
        }
        runtime.apply(admin);
    }

    /** After a reload failed past the runtime API: what served before serves again, or the log says why not. */
    private void restoreAdmin(PatroxyConfig before) {
        try {
            applyAdmin(before.admin());
        } catch (RuntimeException e) {
            log.error("the runtime API could not go back to {} after a failed reload: {}", before.admin(),
                    e.getMessage());
        }
    }

    /** Tasks waiting on the relay's event loops now. */
    private long pendingRelayTasks() {
        long pending = 0;
        for (EventExecutor loop : workers) {
            if (loop instanceof SingleThreadEventExecutor executor) {
                pending += executor.pendingTasks();
            }
        }
        return pending;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "";
        }
    }

    /** The runtime API's UNIX socket served now, if any. */
    Optional<Path> runtimeSocket() {
        return runtime == null ? Optional.empty() : runtime.socketPath();
    }

    /** A reload that could not happen (a bad file): the configuration in force stays, and the stats say why. */
    public synchronized void refused(String why) {
        reloadsFailed++;
        lastFailure = why;
        lastFailureAt = clock.instant();
        log.error("reload refused, the configuration in force stays: {}", why);
    }

    private synchronized ReloadStatus reloadStatus() {
        long drainingSessions = draining.stream().mapToLong(d -> d.generation().sessions()).sum();
        return new ReloadStatus(current.startedAt(), reloadsSucceeded, reloadsFailed, lastFailure, lastFailureAt,
                drainingSessions);
    }

    /** Closes replaced generations whose sessions have ended, and cuts those past {@code reload-drain}. */
    void closeDrained() {
        Instant now = clock.instant();
        for (Draining d : draining) {
            long sessions = d.generation().sessions();
            boolean due = d.cutAt().map(t -> !now.isBefore(t)).orElse(false);
            if (sessions == 0 || due) {
                draining.remove(d);
                int cut = d.generation().retire();
                if (cut > 0) {
                    log.info("reload-drain over: cut {} sessions of a replaced configuration", cut);
                }
            }
        }
    }

    public StatsSnapshot snapshot() {
        return snapshots.take(current.listeners(), reloadStatus(), current.leaderWatch());
    }

    @Override
    public void close() {
        if (drainer != null) {
            drainer.shutdownNow();
        }
        if (stateSaver != null) {
            // The last change is written before the process goes.
            stateSaver.shutdown();
            try {
                stateSaver.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (stats != null) {
            stats.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        for (Draining d : draining) {
            d.generation().close();
            d.generation().closeClients();
        }
        if (current != null) {
            current.close();
            current.closeClients();
        }
        if (checks != null) {
            checks.close();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
