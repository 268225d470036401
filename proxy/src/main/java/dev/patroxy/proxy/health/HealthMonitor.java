package dev.patroxy.proxy.health;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every server's health check on its interval and turns the answers into routing: it records each answer
 * in the server's {@link HealthState}, refreshes the listener's router when a server goes UP or DOWN, and cuts
 * the sessions of a server that stopped taking them. All state changes happen on one scheduler thread. It is given
 * only listeners whose servers are checked.
 */
public final class HealthMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final OkHttpClient http;
    private final Map<Backend, HealthState> states = new HashMap<>();
    private final Map<Backend, ListenerRouter> routerOf = new HashMap<>();
    private volatile boolean closed;

    public HealthMonitor(List<ListenerRouter> routers, ScheduledExecutorService scheduler, Clock clock) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.http = PatroniCheck.newSharedClient();
        for (ListenerRouter router : routers) {
            for (Backend backend : router.backends()) {
                CheckConfig check = backend.check().orElseThrow();
                states.put(backend, new HealthState(check.rise(), check.fall(), clock));
                routerOf.put(backend, router);
            }
        }
    }

    /** Starts checking every server; the first checks go out at once, spread over a few milliseconds. */
    public void start() {
        for (Backend backend : states.keySet()) {
            PatroniCheck check = new PatroniCheck(http, backend.check().orElseThrow(),
                    backend.server().checkAddress(), clock);
            long jitterMillis = ThreadLocalRandom.current().nextLong(50);
            scheduler.schedule(() -> runCheck(backend, check), jitterMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void runCheck(Backend backend, PatroniCheck check) {
        if (closed) {
            return;
        }
        check.run(answer -> {
            if (closed) {
                return;
            }
            scheduler.execute(() -> {
                apply(backend, answer);
                if (!closed) {
                    long inter = backend.check().orElseThrow().interval().toMillis();
                    scheduler.schedule(() -> runCheck(backend, check), inter, TimeUnit.MILLISECONDS);
                }
            });
        });
    }

    /** Applies one answer; must run on the scheduler thread. */
    void apply(Backend backend, CheckAnswer answer) {
        HealthState state = states.get(backend);
        HealthState.Change change = state.record(answer.result());
        backend.publishHealth(state.snapshot(), answer.reportedRole());
        if (change == HealthState.Change.NONE) {
            return;
        }
        ListenerRouter router = routerOf.get(backend);
        log.info("{} is {} ({} {}: {})", backend, state.state(),
                answer.result().status(), answer.result().code(), answer.result().detail());
        ListenerRouter.RoutingChange routing = router.refresh(b -> states.get(b).isUp());
        for (Backend dropped : routing.dropped()) {
            dropped.admission().releaseQueue();
            if (router.listener().shutdownSessionsOnDown()) {
                int killed = dropped.killSessions();
                log.info("{} takes no new sessions; closed its {} sessions (on-marked-down shutdown-sessions)",
                        dropped, killed);
            } else {
                log.info("{} takes no new sessions; its {} sessions stay", dropped, dropped.sessionCount());
            }
        }
        for (Backend added : routing.added()) {
            log.info("{} takes new sessions", added);
        }
    }

    @Override
    public void close() {
        closed = true;
        http.dispatcher().executorService().shutdown();
    }
}
