package dev.patroxy.proxy.dcs;

import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.proxy.sched.TaskFailures;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one of Patroni's keys in etcd (the leader key; the failover key for {@link FailoverKeyWatch}), through the
 * v2 keys API or the v3 JSON gateway as the configuration says:
 * reads it, then watches it from the index after the read, one change at a time, so that a new leader is known
 * the moment etcd records it. Tells its {@link LeaderListener} of each change, and that etcd is unreachable once
 * every host has failed in a row; after a failure or a gap in etcd's history it reads the key afresh.
 *
 * <p>A watch can miss a change without saying so (a gateway or proxy in between, a bug on either side), so every
 * {@link DcsConfig#revalidate()} the watch is replaced by a quorum read, which confirms or corrects the leader, and
 * a new watch from the read's index. A task of its own that throws (a bug here or in the listener) is counted,
 * logged, and followed by a fresh read after {@link #MAX_RETRY_DELAY}: the watch never stops silently.
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
    private final LeaderChanges listener;
    private final LeaderKeyApi api;
    /** The key as the log names it: "leader key". */
    private final String keyName;
    private final HostFailover hosts;
    /** Bumped for every request, so that the late callbacks of an abandoned one are recognised and dropped. */
    private long attempt;
    private volatile Call inFlight;
    /** The index the current watch waits from. */
    private long waitIndex;
    /** The deadline of the request in flight, or the pause before the next round of hosts. */
    private ScheduledFuture<?> timer;
    /** Whether the request in flight is a watch (else a read, or none during a pause). */
    private boolean watching;
    /** Whether the read in flight was sent to re-validate what the watch said. */
    private boolean revalidating;
    private ScheduledFuture<?> nextRevalidation;
    private final AtomicLong requestFailures;
    private final TaskFailures taskFailures = new TaskFailures(log);
    private volatile boolean closed;

    /**
     * @param http any client; its timeouts are replaced, because deadlines here are the scheduler's
     * @param scheduler a single-threaded scheduler, shared or not; it is not shut down by {@link #close()}
     */
    public EtcdLeaderWatch(DcsConfig config, OkHttpClient http, ScheduledExecutorService scheduler,
            LeaderListener listener) {
        this(config, config.leaderKey(), "leader key", http, scheduler, listener, new AtomicLong());
    }

    /**
     * A watch of {@code key}, whose value the listener hears through {@link LeaderListener#leaderIs} and whose
     * absence through {@link LeaderListener#noLeader}.
     *
     * @param requestFailures where its failed requests are counted, shared with another watch of the same etcd
     */
    EtcdLeaderWatch(DcsConfig config, String key, String keyName, OkHttpClient http,
            ScheduledExecutorService scheduler, LeaderListener listener, AtomicLong requestFailures) {
        this.config = config;
        this.requestFailures = requestFailures;
        this.keyName = keyName;
        this.http = EtcdAccess.configure(http.newBuilder()
                .connectTimeout(config.timeout())
                .readTimeout(Duration.ZERO)
                .writeTimeout(config.timeout())
                .callTimeout(Duration.ZERO)
                .retryOnConnectionFailure(false)
                .followRedirects(false), config);
        this.scheduler = scheduler;
        this.listener = new LeaderChanges(listener);
        this.api = EtcdAccess.api(config, key);
        this.hosts = new HostFailover(config.hosts(), MIN_RETRY_DELAY, MAX_RETRY_DELAY);
    }

    /** Reads the key from the first host, then keeps watching it until {@link #close()}. */
    public void start() {
        scheduler.execute(guarded(this::read));
    }

    /** What the leader key says as far as the watch knows: a member, "no leader", "unreachable" or "nothing yet". */
    public String leader() {
        return listener.passedOn();
    }

    /**
     * DCS requests that failed: refused, timed out, or answered with anything but the key; a
     * {@link FailoverKeyWatch} beside this watch counts its own here too.
     */
    public long requestFailures() {
        return requestFailures.get();
    }

    AtomicLong requestFailureCounter() {
        return requestFailures;
    }

    /** The watch's own tasks that threw. */
    public TaskFailures taskFailures() {
        return taskFailures;
    }

    private void read() {
        watching = false;
        send(api.read(hosts.current()), false);
    }

    private void watch(long fromIndex) {
        waitIndex = fromIndex;
        watching = true;
        send(api.watch(hosts.current(), fromIndex), true);
    }

    private Runnable guarded(Runnable task) {
        return taskFailures.guard("the DCS " + keyName + " watch", task, this::recover);
    }

    /** After a task threw: drops whatever was under way and reads the key again after a pause. */
    private void recover() {
        long waiting = ++attempt;
        watching = false;
        revalidating = false;
        Call call = inFlight;
        if (call != null) {
            call.cancel();
        }
        if (timer != null) {
            timer.cancel(false);
        }
        if (closed) {
            return;
        }
        try {
            timer = schedule(() -> {
                if (waiting == attempt && !closed) {
                    read();
                }
            }, MAX_RETRY_DELAY);
        } catch (RejectedExecutionException e) {
            log.debug("etcd leader watch not restarted: the scheduler has stopped");
        }
    }

    /** Time to confirm the leader: a watch in flight gives way to a quorum read, which starts the next watch. */
    private void revalidate() {
        if (closed || !watching) {
            return;
        }
        ++attempt;
        inFlight.cancel();
        timer.cancel(false);
        revalidating = true;
        read();
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
                } catch (RuntimeException e) {
                    // Thrown here, it would end on OkHttp's thread, and the request would wait out its deadline.
                    taskFailures.report("reading etcd's answer", e);
                    post(() -> failed(id, "unreadable answer: " + e));
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
        boolean read = !watching;
        String before = listener.passedOn();
        if (read) {
            scheduleRevalidation();
        }
        if (answer instanceof LeaderKeyAnswer.Leader leader) {
            listener.leaderIs(leader.member(), leader.index());
            noteCorrection(read, before);
            watch(leader.nextIndex());
        } else if (answer instanceof LeaderKeyAnswer.NoLeader none) {
            listener.noLeader(none.index());
            noteCorrection(read, before);
            watch(none.nextIndex());
        } else {
            log.debug("etcd {} no longer has the history the watch needs; reading the {} again", hosts.current(),
                    keyName);
            read();
        }
    }

    private void scheduleRevalidation() {
        if (nextRevalidation != null) {
            nextRevalidation.cancel(false);
        }
        nextRevalidation = schedule(this::revalidate, config.revalidate());
    }

    /** A re-validating read that found something else than the watch had said: the watch missed a change. */
    private void noteCorrection(boolean read, String before) {
        if (read && revalidating && !before.equals(listener.passedOn())) {
            log.warn("a quorum read of etcd {} found the {} at {} where the watch still said {}: the watch"
                    + " missed a change, or it came just as the watch was replaced", hosts.current(), keyName,
                    listener.passedOn(), before);
        }
        revalidating = false;
    }

    /** This host failed: ask the next one at once, or after a pause once every host has failed in a row. */
    private void failed(long id, String reason) {
        if (id != attempt || closed) {
            return;
        }
        timer.cancel(false);
        HostPort host = hosts.current();
        requestFailures.incrementAndGet();
        watching = false;
        revalidating = false;
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
            scheduler.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            log.debug("etcd answer dropped: the scheduler has stopped");
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return scheduler.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
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
