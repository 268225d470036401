package dev.patroxy.proxy.dcs;

import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.DcsType;
import dev.patroxy.config.HostPort;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows Patroni's leader key in etcd, through the v2 keys API or the v3 JSON gateway as the configuration says:
 * reads it, then watches it from the index after the read, one change at a time, so that a new leader is known
 * the moment etcd records it. Tells its {@link LeaderListener} of each change, and that etcd is unreachable once
 * every host has failed in a row; after a failure or a gap in etcd's history it reads the key afresh.
 *
 * <p>Every deadline is a task on the given scheduler, not a socket timeout: a host must start answering within
 * {@link DcsConfig#timeout()} (etcd sends a watch's headers at once), and a watch that has heard nothing for
 * {@link DcsConfig#watchTimeout()} is asked again, which is how a silently cut-off host is noticed. The scheduler
 * must run one task at a time; all state lives on it and the listener is called from it.
 */
public final class EtcdLeaderWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EtcdLeaderWatch.class);
    static final Duration MIN_RETRY_DELAY = Duration.ofMillis(100);
    static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);

    private final DcsConfig config;
    private final OkHttpClient http;
    private final ScheduledExecutorService scheduler;
    private final LeaderListener listener;
    private final LeaderKeyApi api;
    private final HostFailover hosts;
    /** Bumped for every request, so that the late callbacks of an abandoned one are recognised and dropped. */
    private long attempt;
    private volatile Call inFlight;
    /** The index the current watch waits from. */
    private long waitIndex;
    /** The deadline of the request in flight, or the pause before the next round of hosts. */
    private ScheduledFuture<?> timer;
    private volatile boolean closed;

    /**
     * @param http any client; its timeouts are replaced, because deadlines here are the scheduler's
     * @param scheduler a single-threaded scheduler, shared or not; it is not shut down by {@link #close()}
     */
    public EtcdLeaderWatch(DcsConfig config, OkHttpClient http, ScheduledExecutorService scheduler,
            LeaderListener listener) {
        this.config = config;
        this.http = http.newBuilder()
                .connectTimeout(config.timeout())
                .readTimeout(Duration.ZERO)
                .writeTimeout(config.timeout())
                .callTimeout(Duration.ZERO)
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .build();
        this.scheduler = scheduler;
        this.listener = new LeaderChanges(listener);
        this.api = config.type() == DcsType.ETCD_V2 ? new EtcdV2Api(config.leaderKey())
                : new EtcdV3Api(config.leaderKey());
        this.hosts = new HostFailover(config.hosts(), MIN_RETRY_DELAY, MAX_RETRY_DELAY);
    }

    /** Reads the key from the first host, then keeps watching it until {@link #close()}. */
    public void start() {
        scheduler.execute(this::read);
    }

    private void read() {
        send(api.read(hosts.current()), false);
    }

    private void watch(long fromIndex) {
        waitIndex = fromIndex;
        send(api.watch(hosts.current(), fromIndex), true);
    }

    private void send(Request request, boolean watch) {
        if (closed) {
            return;
        }
        long id = ++attempt;
        Call call = http.newCall(request.newBuilder().header("User-Agent", "patroxy-dcs").build());
        inFlight = call;
        timer = schedule(() -> giveUp(id, "no answer within " + config.timeout().toMillis() + "ms"),
                config.timeout());
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
                post(() -> failed(id, describe(e)));
            }

            @Override
            public void onResponse(Call call, Response response) {
                if (watch) {
                    post(() -> watching(id));
                }
                try (response) {
                    LeaderKeyAnswer answer = watch ? api.watchAnswer(response) : api.readAnswer(response);
                    post(() -> answered(id, answer));
                    // A v3 watch stream is left unfinished: cancelled, closing it does not wait up to 100 ms for its end.
                    call.cancel();
                } catch (IOException e) {
                    post(() -> failed(id, describe(e)));
                }
            }
        });
    }

    /** etcd has started a watch's answer, so the host is alive; give the change until the watch timeout to come. */
    private void watching(long id) {
        if (id != attempt || closed) {
            return;
        }
        timer.cancel(false);
        timer = schedule(() -> askAgain(id), config.watchTimeout());
    }

    /** Nothing changed within the watch timeout: ask again from the same index, which proves the host alive. */
    private void askAgain(long id) {
        if (id != attempt || closed) {
            return;
        }
        inFlight.cancel();
        watch(waitIndex);
    }

    private void giveUp(long id, String reason) {
        if (id != attempt || closed) {
            return;
        }
        inFlight.cancel();
        failed(id, reason);
    }

    private void answered(long id, LeaderKeyAnswer answer) {
        if (id != attempt || closed) {
            return;
        }
        timer.cancel(false);
        if (answer instanceof LeaderKeyAnswer.Failed failure) {
            failed(id, failure.reason());
            return;
        }
        hosts.succeeded();
        if (answer instanceof LeaderKeyAnswer.Leader leader) {
            listener.leaderIs(leader.member(), leader.index());
            watch(leader.nextIndex());
        } else if (answer instanceof LeaderKeyAnswer.NoLeader none) {
            listener.noLeader(none.index());
            watch(none.nextIndex());
        } else {
            log.debug("etcd {} no longer has the history the watch needs; reading the leader key again",
                    hosts.current());
            read();
        }
    }

    /** This host failed: ask the next one at once, or after a pause once every host has failed in a row. */
    private void failed(long id, String reason) {
        if (id != attempt || closed) {
            return;
        }
        timer.cancel(false);
        HostPort host = hosts.current();
        log.debug("etcd {} failed: {}", host, reason);
        Optional<Duration> pause = hosts.failed();
        if (pause.isEmpty()) {
            read();
            return;
        }
        listener.unreachable("no etcd host answered; last, " + host + ": " + reason);
        long waiting = ++attempt;
        timer = schedule(() -> {
            if (waiting == attempt && !closed) {
                read();
            }
        }, pause.get());
    }

    /** Hands what an OkHttp thread learned to the scheduler, unless the watch or its scheduler has stopped. */
    private void post(Runnable task) {
        if (closed) {
            return;
        }
        try {
            scheduler.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("etcd answer dropped: the scheduler has stopped");
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + e.getMessage();
    }

    /** Stops watching: the request in flight is abandoned and the listener hears nothing more. */
    @Override
    public void close() {
        closed = true;
        Call call = inFlight;
        if (call != null) {
            call.cancel();
        }
    }
}
