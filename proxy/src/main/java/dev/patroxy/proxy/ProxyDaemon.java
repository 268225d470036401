package dev.patroxy.proxy;

import dev.patroxy.config.BindAddress;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.proxy.dcs.EtcdLeaderWatch;
import dev.patroxy.proxy.health.HealthMonitor;
import dev.patroxy.proxy.relay.ProxyListener;
import dev.patroxy.proxy.relay.Transport;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.stats.StatsServer;
import dev.patroxy.stats.StatsSnapshot;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: wires the configuration into listeners, routers, health checks and the stats server, and
 * tears them down in reverse. This is the one place that knows every module, so every dependency points here.
 */
public final class ProxyDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyDaemon.class);

    private final PatroxyConfig config;
    private final Clock clock;
    private final Transport transport;
    private final List<ProxyListener> listeners = new ArrayList<>();
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ScheduledExecutorService healthThread;
    private HealthMonitor health;
    private OkHttpClient dcsHttp;
    private EtcdLeaderWatch leaderWatch;
    private StatsServer stats;
    private Supplier<StatsSnapshot> snapshots;

    public ProxyDaemon(PatroxyConfig config, Clock clock, Transport transport) {
        this.config = config;
        this.clock = clock;
        this.transport = transport;
    }

    /** Binds every port and starts checking; on failure, releases whatever was started and rethrows. */
    public ProxyDaemon start() {
        Instant startedAt = clock.instant();
        try {
            boss = transport.newEventLoopGroup(1);
            workers = transport.newEventLoopGroup(relayThreads());
            List<ListenerRouter> checkedRouters = new ArrayList<>();
            Admission globalLimit = new Admission(config.global().maxconn(), System::nanoTime);
            globalLimit.onFullnessChange(() -> listeners.forEach(ProxyListener::updateAccepting));
            for (ListenerConfig listenerConfig : config.listeners()) {
                List<Backend> backends = new ArrayList<>();
                for (ServerConfig server : listenerConfig.servers()) {
                    backends.add(new Backend(listenerConfig.name(), server, listenerConfig.check(), startedAt));
                }
                ListenerRouter router = new ListenerRouter(listenerConfig, backends);
                if (listenerConfig.check().isPresent()) {
                    checkedRouters.add(router);
                } else {
                    router.refresh(b -> true);
                }
                ProxyListener listener = new ProxyListener(router, globalLimit);
                listeners.add(listener);
                listener.bind(boss, workers, transport);
            }
            snapshots = new StatsSnapshots(listeners, clock, startedAt, Version.current());
            stats = new StatsServer(
                    config.stats().binds().stream().map(BindAddress::toSocketAddress).toList(),
                    snapshots, config.stats().refresh());
            stats.start();
            healthThread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "patroxy-health");
                t.setDaemon(true);
                return t;
            });
            health = new HealthMonitor(checkedRouters, healthThread, clock);
            health.start();
            if (config.dcs().isPresent()) {
                dcsHttp = new OkHttpClient();
                leaderWatch = new EtcdLeaderWatch(config.dcs().get(), dcsHttp, healthThread, health);
                leaderWatch.start();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        for (ProxyListener listener : listeners) {
            ListenerConfig c = listener.router().listener();
            log.info("listener {} on {} ({}, {})", c.name(), c.binds(), c.balance().configName(),
                    c.check().map(k -> "check " + k.describe() + " every " + k.interval().toMillis() + "ms")
                            .orElse("no health check: every server is UP"));
        }
        config.dcs().ifPresent(dcs -> log.info("following Patroni's leader key {} in etcd at {}", dcs.leaderKey(),
                dcs.hosts()));
        log.info("stats on {}; transport {} on {} threads", config.stats().binds(), transport.describe(),
                relayThreads());
        return this;
    }

    private int relayThreads() {
        int threads = config.global().threads();
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public StatsSnapshot snapshot() {
        return snapshots.get();
    }

    @Override
    public void close() {
        if (leaderWatch != null) {
            leaderWatch.close();
        }
        if (dcsHttp != null) {
            dcsHttp.dispatcher().executorService().shutdown();
        }
        if (health != null) {
            health.close();
        }
        if (healthThread != null) {
            healthThread.shutdownNow();
        }
        if (stats != null) {
            stats.close();
        }
        for (ProxyListener listener : listeners) {
            listener.close();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
