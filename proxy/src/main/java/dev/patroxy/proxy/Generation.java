package dev.patroxy.proxy;

import dev.patroxy.config.BindAddress;
import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.proxy.admin.AdminStates;
import dev.patroxy.proxy.dcs.EtcdLeaderWatch;
import dev.patroxy.proxy.health.CheckRegistry;
import dev.patroxy.proxy.health.HealthMonitor;
import dev.patroxy.proxy.relay.FirstPacketPlaces;
import dev.patroxy.proxy.relay.ProxyListener;
import dev.patroxy.proxy.relay.SessionRegistry;
import dev.patroxy.proxy.relay.Transport;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One configuration's worth of the running proxy: its listeners, routers, health checks and DCS watch. A reload
 * starts a new generation next to the old one (their listening sockets share ports), then the old one stops
 * accepting and drains: its sessions go on, still checked, so that a role change still closes them. Its checks are
 * subscriptions to the proxy's {@link CheckRegistry}: generations checking the same servers share one check each.
 * Its DCS watch likewise is shared through {@link LeaderWatches} by generations with the same {@code dcs} section.
 * What operators set ({@link AdminStates}) is the proxy's, not a generation's: its servers and listeners take it from
 * there by name, so a reload keeps it.
 */
final class Generation implements AutoCloseable {
    private final PatroxyConfig config;
    private final Clock clock;
    private final Instant startedAt;
    private final AdminStates adminStates;
    private final SessionRegistry sessions;
    private final List<ProxyListener> listeners = new ArrayList<>();
    /** Routers of listeners without checks: routed here, on the health thread, when an operator changes something. */
    private final List<ListenerRouter> uncheckedRouters = new ArrayList<>();
    private ScheduledExecutorService healthThread;
    private HealthMonitor health;
    private LeaderWatches.Following leaderWatch;

    /**
     * @param adminStates what operators set, shared with every generation
     * @param sessions the proxy's registry of client sessions, shared alike
     */
    Generation(PatroxyConfig config, Clock clock, AdminStates adminStates, SessionRegistry sessions) {
        this.config = config;
        this.clock = clock;
        this.adminStates = adminStates;
        this.sessions = sessions;
        this.startedAt = clock.instant();
    }

    PatroxyConfig config() {
        return config;
    }

    /** When this configuration took effect. */
    Instant startedAt() {
        return startedAt;
    }

    List<ProxyListener> listeners() {
        return listeners;
    }

    /**
     * Binds every listener and starts checking; on failure, releases whatever it started and rethrows.
     *
     * @param globalLimit the proxy-wide {@code maxconn}, shared with the generations before and after this one
     * @param startupLimit the proxy-wide places of sessions in their startup, shared alike
     * @param firstPacketPlaces the proxy-wide bound on clients whose first packet is being read, shared alike
     * @param previous what the generation this one replaces knew about its servers ({@code Knowledge.NONE} at start)
     * @param inherited addresses the generation this one replaces is bound to: left for {@link #takeOver}
     * @param checks the proxy's running checks, shared with the other generations
     * @param watches the proxy's DCS watches, shared with the other generations
     */
    Generation start(EventLoopGroup boss, EventLoopGroup workers, Transport transport, Admission globalLimit,
            Admission startupLimit, FirstPacketPlaces firstPacketPlaces, HealthMonitor.Knowledge previous,
            Set<BindAddress> inherited, CheckRegistry checks, LeaderWatches watches) {
        try {
            List<ListenerRouter> checkedRouters = new ArrayList<>();
            for (ListenerConfig listenerConfig : config.listeners()) {
                List<Backend> backends = new ArrayList<>();
                for (ServerConfig server : listenerConfig.servers()) {
                    backends.add(new Backend(listenerConfig.name(), server, listenerConfig.check(), startedAt,
                            adminStates.cell(listenerConfig.name(), server.name())));
                }
                ListenerRouter router = new ListenerRouter(listenerConfig, backends);
                router.disable(adminStates.frontendDisabled(listenerConfig.name()));
                if (listenerConfig.check().isPresent()) {
                    checkedRouters.add(router);
                } else {
                    uncheckedRouters.add(router);
                    router.refresh(b -> true);
                }
                ProxyListener listener = new ProxyListener(router, globalLimit, startupLimit, firstPacketPlaces,
                        sessions);
                listeners.add(listener);
                listener.bindExcept(boss, workers, transport, inherited);
            }
            healthThread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "patroxy-health");
                t.setDaemon(true);
                return t;
            });
            health = new HealthMonitor(checkedRouters, healthThread, clock, checks,
                    config.dcs().map(DcsConfig::switchoverPause).orElse(Duration.ZERO));
            health.start(previous);
            if (config.dcs().isPresent()) {
                leaderWatch = watches.follow(config.dcs().get(), healthThread, health);
            }
            return this;
        } catch (RuntimeException | Error e) {
            // Half-started listeners would share the port (SO_REUSEPORT) and take clients nothing routes.
            close();
            throw e;
        }
    }

    /** The watch of the DCS leader key, when the configuration has a DCS. */
    Optional<EtcdLeaderWatch> leaderWatch() {
        return leaderWatch == null ? Optional.empty() : leaderWatch.etcd();
    }

    /**
     * An operator changed a server's admin state or weight: routes every listener again on the health thread, where
     * routing changes happen, cutting the sessions of servers put in MAINT. Returns at once.
     */
    void adminChanged(String why) {
        try {
            health.adminChanged(why);
            healthThread.execute(() -> {
                for (ListenerRouter router : uncheckedRouters) {
                    boolean cutOnDown = router.listener().shutdownSessionsOnDown();
                    router.refresh(b -> true).dropped().forEach(b -> b.dropped(cutOnDown));
                    router.cutSessionsInMaintenance();
                }
            });
        } catch (RejectedExecutionException e) {
            // Retired meanwhile: its routers are empty for good.
        }
    }

    /** The health checks of this generation's checked listeners. */
    HealthMonitor health() {
        return health;
    }

    /** What this generation's checks know, for the one that replaces it. */
    HealthMonitor.Knowledge knowledge() {
        return health.knowledge();
    }

    /** The addresses this generation's listeners are bound to. */
    Set<BindAddress> boundAddresses() {
        Set<BindAddress> addresses = new HashSet<>();
        listeners.forEach(l -> addresses.addAll(l.boundAddresses()));
        return addresses;
    }

    /**
     * Takes over {@code previous}'s listening sockets on the addresses this configuration binds too: their accept
     * queues carry on, so no client connecting during a reload is reset. Cannot fail.
     */
    void takeOver(Generation previous) {
        for (ProxyListener listener : listeners) {
            for (ProxyListener old : previous.listeners) {
                listener.takeOver(old);
            }
        }
    }

    /** Closes every client connection of this generation, served or not; for the proxy's own stop. */
    void closeClients() {
        listeners.forEach(ProxyListener::closeClients);
    }

    /** Closes the listening sockets: no new client reaches this generation; its sessions go on. */
    void stopAccepting() {
        listeners.forEach(ProxyListener::close);
    }

    /**
     * Clients this generation still has: served, or accepted and not yet served (in their first packet, waiting for a
     * place): a generation retired under those would leave them with no server.
     */
    long sessions() {
        return listeners.stream().mapToLong(ProxyListener::openClients).sum();
    }

    /**
     * Stops accepting and routing, cuts the sessions still relayed, then stops checking and watching. Every router is
     * emptied first: a client of this generation still connecting, queued or held can then never start a session
     * nobody checks; it waits out its hold, is answered 57P03, and connects again to the generation in force.
     *
     * @return how many sessions were cut
     */
    int retire() {
        stopAccepting();
        // Checks and the DCS watch stop first: none of their reroutes may follow the emptying below.
        stopChecking();
        int cut = 0;
        for (ProxyListener listener : listeners) {
            ListenerRouter router = listener.router();
            router.refresh(b -> false);
            for (Backend backend : router.backends()) {
                backend.admission().releaseQueue();
                cut += backend.killSessions();
            }
        }
        return cut;
    }

    @Override
    public void close() {
        retire();
    }

    private void stopChecking() {
        if (leaderWatch != null) {
            leaderWatch.close();
        }
        if (health != null) {
            health.close();
        }
        if (healthThread != null) {
            healthThread.shutdownNow();
            try {
                healthThread.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
