package dev.patroxy.proxy.health;

import static dev.patroxy.proxy.health.PatroniEndpointsTest.answer;

import dev.patroxy.config.Balance;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.Timeouts;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.stats.CheckResult;
import dev.patroxy.proxy.routing.ListenerRouter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One listener of servers pg01 and pg02 (Patroni members of the same names) under a {@link HealthMonitor} of its own,
 * fed Patroni's recorded answers ({@link PatroniEndpointsTest#answer}) instead of sending checks. Checks are by
 * {@code method path} every 3 s, rise 1, fall 3.
 */
final class MonitoredListener implements AutoCloseable {
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    final HealthMonitor monitor;
    final ListenerRouter router;
    final Backend pg01;
    final Backend pg02;

    MonitoredListener(Balance balance, String method, String path, Clock clock, ScheduledExecutorService scheduler,
            CheckRegistry checks) {
        this.clock = clock;
        this.scheduler = scheduler;
        CheckConfig check = new CheckConfig(method, path, 200, Duration.ofSeconds(3), Duration.ofSeconds(1), 1, 3);
        ServerConfig server1 = new ServerConfig("pg01", new HostPort("127.0.0.1", 5432),
                new HostPort("127.0.0.1", 8008), 0);
        ServerConfig server2 = new ServerConfig("pg02", new HostPort("127.0.0.1", 5433),
                new HostPort("127.0.0.1", 8009), 0);
        ListenerConfig listener = new ListenerConfig("l", List.of(new BindAddress("127.0.0.1", 0)), balance,
                java.util.Optional.of(check),
                new Timeouts(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(1),
                        Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofSeconds(10),
                        Duration.ofSeconds(5)),
                2, 0, true, false, 0, List.of(server1, server2));
        pg01 = new Backend("l", server1, java.util.Optional.of(check), clock.instant());
        pg02 = new Backend("l", server2, java.util.Optional.of(check), clock.instant());
        router = new ListenerRouter(listener, List.of(pg01, pg02));
        monitor = new HealthMonitor(List.of(router), scheduler, clock, checks);
    }

    void onScheduler(Runnable task) throws InterruptedException, ExecutionException, TimeoutException {
        scheduler.submit(task).get(5, TimeUnit.SECONDS);
    }

    /** {@code backend}'s Patroni answers its check as the node {@code body} describes would, with {@code code}. */
    void answers(Backend backend, String body, int code) throws Exception {
        CheckConfig check = backend.check().orElseThrow();
        CheckAnswer answer = answer(body, check.method(), check.path(), code);
        onScheduler(() -> monitor.apply(backend, answer, clock.instant()));
    }

    void timesOut(Backend backend) throws Exception {
        CheckAnswer answer = new CheckAnswer(new CheckResult("L4TOUT", 0, Duration.ofSeconds(1), "timed out",
                clock.instant()), null, 0);
        onScheduler(() -> monitor.apply(backend, answer, clock.instant()));
    }

    void leaderIs(String member) throws Exception {
        onScheduler(() -> monitor.leaderIs(member, 7));
    }

    void noLeader() throws Exception {
        onScheduler(() -> monitor.noLeader(9));
    }

    @Override
    public void close() {
        monitor.close();
    }
}
