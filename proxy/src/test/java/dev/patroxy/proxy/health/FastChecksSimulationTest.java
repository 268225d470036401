package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.Timeouts;
import dev.patroxy.proxy.ManualClock;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.stats.CheckResult;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A switchover in simulated time: the monitor and the shared checks run on an embedded event loop whose clock the
 * test moves, against fake Patroni APIs that answer 2 ms after each check; every check sent is counted per server.
 */
class FastChecksSimulationTest {
    private static final CheckConfig CHECK = new CheckConfig(
            "GET", "/primary", 200, Duration.ofSeconds(3), Duration.ofSeconds(1), 1, 3);
    private static final Duration LATENCY = Duration.ofMillis(2);
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-03T07:00:00Z"));
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final ScheduledExecutorService scheduler = loop.eventLoop();
    /** Per server: whether its Patroni answers as primary, when each check was sent, how many are on their way. */
    private final Map<String, Boolean> primary = new HashMap<>();
    private final Map<String, List<Instant>> sent = new HashMap<>();
    private final Map<String, Integer> inFlight = new HashMap<>();
    private int mostInFlight;
    private CheckRegistry registry;
    private ListenerRouter router;
    private HealthMonitor monitor;

    private Probe fakePatroni(CheckTarget target) {
        String name = "pg0" + (target.address().port() - 8000);
        return done -> {
            sent.computeIfAbsent(name, k -> new ArrayList<>()).add(clock.instant());
            int now = inFlight.merge(name, 1, Integer::sum);
            mostInFlight = Math.max(mostInFlight, now);
            boolean p = primary.getOrDefault(name, false);
            scheduler.schedule(() -> {
                inFlight.merge(name, -1, Integer::sum);
                done.accept(new CheckAnswer(new CheckResult(p ? "L7OK" : "L7STS", p ? 200 : 503, LATENCY,
                        p ? "primary" : "replica", clock.instant()), p ? "primary" : "replica", 0));
            }, LATENCY.toNanos(), TimeUnit.NANOSECONDS);
        };
    }

    @BeforeEach
    void start() {
        loop.freezeTime();
        registry = new CheckRegistry(scheduler, clock, this::fakePatroni, new SplittableRandom(10), () -> { });
        List<ServerConfig> servers = new ArrayList<>();
        List<Backend> backends = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            ServerConfig s = new ServerConfig("pg0" + i, new HostPort("127.0.0.1", 5430 + i),
                    new HostPort("127.0.0.1", 8000 + i), 0);
            servers.add(s);
            backends.add(new Backend("primary", s, Optional.of(CHECK), clock.instant()));
        }
        router = new ListenerRouter(new ListenerConfig("primary", List.of(new BindAddress("127.0.0.1", 0)),
                Balance.PRIMARY, Optional.of(CHECK),
                new Timeouts(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(1),
                        Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofSeconds(10),
                        Duration.ofSeconds(5)),
                2, 0, true, false, 0, servers), backends);
        monitor = new HealthMonitor(List.of(router), scheduler, clock, registry);
        primary.put("pg01", true);
        monitor.start(HealthMonitor.Knowledge.NONE);
        monitor.leaderIs("pg01", 1);
        run(Duration.ofSeconds(4));
        assertThat(routed()).isEqualTo("pg01");
    }

    @AfterEach
    void stop() {
        monitor.close();
        registry.close();
        loop.finishAndReleaseAll();
    }

    /** Moves simulated time on by {@code span}, a millisecond at a time, running whatever falls due. */
    private void run(Duration span) {
        for (long ms = 0; ms < span.toMillis(); ms++) {
            clock.advance(Duration.ofMillis(1));
            loop.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            loop.runPendingTasks();
            loop.runPendingTasks();
        }
    }

    private String routed() {
        return router.current().map(b -> b.server().name()).orElse(null);
    }

    private Map<String, Integer> checksSince(Instant since) {
        Map<String, Integer> counts = new HashMap<>();
        for (String name : List.of("pg01", "pg02", "pg03")) {
            counts.put(name, (int) sent.getOrDefault(name, List.of()).stream().filter(t -> t.isAfter(since)).count());
        }
        return counts;
    }

    @Test
    void aDisagreementLasting30sChecksFastOnlyTheNamedLeaderAndBacksOff() {
        Instant change = clock.instant();
        primary.put("pg01", false);
        monitor.leaderIs("pg02", 2);

        run(Duration.ofSeconds(30));

        Map<String, Integer> checks = checksSince(change);
        // Fast checks every 50 ms for 2 s (about 38 with the answers' 2 ms), 5 more backing off to inter, then every
        // 3 s. Before: every server every 50 ms for the whole 30 s, some 570 checks each.
        assertThat(checks.get("pg02")).as("the named leader, still being promoted").isBetween(35, 60);
        assertThat(checks.get("pg01")).as("the former leader: disagrees until its first answer").isBetween(9, 12);
        assertThat(checks.get("pg03")).as("a replica the key does not name: its inter only").isBetween(9, 11);
        assertThat(mostInFlight).as("checks on their way to one server at once").isEqualTo(1);
        for (List<Instant> times : sent.values()) {
            for (int i = 1; i < times.size(); i++) {
                assertThat(Duration.between(times.get(i - 1), times.get(i))).isGreaterThanOrEqualTo(SharedCheck.MIN_GAP);
            }
        }
    }

    @Test
    void theNewPrimaryIsRoutedWithinAFastCheckOfItsPromotionAndFastChecksStopThen() {
        primary.put("pg01", false);
        monitor.leaderIs("pg02", 2);
        run(Duration.ofMillis(500));
        assertThat(routed()).isNull();

        primary.put("pg02", true);
        Instant promoted = clock.instant();
        Duration lag = Duration.ZERO;
        while (!"pg02".equals(routed())) {
            run(Duration.ofMillis(1));
            lag = Duration.between(promoted, clock.instant());
        }
        assertThat(lag).as("one fast check: 50 ms, 10% jitter, the answer's 2 ms").isLessThanOrEqualTo(Duration.ofMillis(60));

        Instant agreed = clock.instant();
        run(Duration.ofSeconds(10));
        Map<String, Integer> checks = checksSince(agreed);
        assertThat(checks.values()).as("every 3 s only, once routing agrees with the key").allMatch(n -> n <= 4);
    }
}
