package dev.patroxy.proxy;

import dev.patroxy.config.DcsConfig;
import dev.patroxy.proxy.dcs.EtcdLeaderWatch;
import dev.patroxy.proxy.dcs.FailoverKeyWatch;
import dev.patroxy.proxy.dcs.LeaderListener;
import dev.patroxy.proxy.routing.SwitchoverRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DCS leader watch per {@code dcs} section, shared by the configuration generations that follow it: a reload with
 * the same section joins the running watch instead of starting its own, and the watch stops with the last generation
 * following it. Each follower hears every change on its own executor; one that joins late first hears the last.
 */
final class LeaderWatches {
    private static final Logger log = LoggerFactory.getLogger(LeaderWatches.class);

    private final BiFunction<DcsConfig, LeaderListener, Started> startWatch;
    private final Map<DcsConfig, Shared> watches = new HashMap<>();

    /** @param startWatch starts a watch of a section that tells the given listener, on any one thread, of changes */
    LeaderWatches(BiFunction<DcsConfig, LeaderListener, Started> startWatch) {
        this.startWatch = startWatch;
    }

    /**
     * Watches over etcd, each on a thread of its own with a client of its own; a section that holds sessions for a
     * switchover also watches Patroni's failover key there.
     */
    static LeaderWatches overEtcd(Clock clock) {
        return new LeaderWatches((dcs, listener) -> {
            ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "patroxy-dcs");
                t.setDaemon(true);
                return t;
            });
            OkHttpClient http = new OkHttpClient();
            EtcdLeaderWatch watch = new EtcdLeaderWatch(dcs, http, thread, listener);
            watch.start();
            Optional<FailoverKeyWatch> failover = dcs.switchoverPause().isZero() ? Optional.empty()
                    : Optional.of(new FailoverKeyWatch(dcs, http, thread, listener, clock, watch));
            failover.ifPresent(FailoverKeyWatch::start);
            return new Started(() -> {
                watch.close();
                failover.ifPresent(FailoverKeyWatch::close);
                http.dispatcher().executorService().shutdown();
                thread.shutdownNow();
            }, watch);
        });
    }

    /** Follows the leader key {@code dcs} names; {@code listener} is called on {@code executor} only. */
    synchronized Following follow(DcsConfig dcs, Executor executor, LeaderListener listener) {
        Follower follower = new Follower(executor, listener);
        Shared shared = watches.get(dcs);
        if (shared == null) {
            shared = new Shared();
            shared.followers.add(follower);
            shared.watch = startWatch.apply(dcs, shared);
            watches.put(dcs, shared);
        } else {
            shared.join(follower);
        }
        Shared followed = shared;
        return new Following(() -> leave(dcs, followed, follower), Optional.ofNullable(followed.watch.etcd()));
    }

    private synchronized void leave(DcsConfig dcs, Shared shared, Follower follower) {
        if (shared.leave(follower) && watches.get(dcs) == shared) {
            watches.remove(dcs);
            try {
                shared.watch.stop().close();
            } catch (Exception e) {
                log.warn("closing the DCS watch failed: {}", e.toString());
            }
        }
    }

    /** How many watches run; for tests. */
    synchronized int running() {
        return watches.size();
    }

    /** A started watch: how to stop it, and the etcd watch itself where there is one (its state is on the stats). */
    record Started(AutoCloseable stop, EtcdLeaderWatch etcd) {
    }

    /** A generation's hold on a watch, and the watch it follows; closing it lets go. */
    record Following(Runnable leave, Optional<EtcdLeaderWatch> etcd) implements AutoCloseable {
        @Override
        public void close() {
            leave.run();
        }
    }

    private record Follower(Executor executor, LeaderListener listener) {
        void tell(Consumer<LeaderListener> event) {
            try {
                executor.execute(() -> event.accept(listener));
            } catch (RejectedExecutionException e) {
                log.debug("a DCS change for a generation that stopped dropped");
            }
        }
    }

    /** One running watch and its followers; the watch calls it on its own thread. */
    private static final class Shared implements LeaderListener {
        private final List<Follower> followers = new ArrayList<>();
        private Consumer<LeaderListener> last;
        private SwitchoverRequest lastSwitchover = SwitchoverRequest.NONE;
        private Instant lastSwitchoverHeardAt = Instant.EPOCH;
        private Started watch;

        synchronized void join(Follower follower) {
            followers.add(follower);
            if (last != null) {
                follower.tell(last);
            }
            SwitchoverRequest request = lastSwitchover;
            Instant heardAt = lastSwitchoverHeardAt;
            if (!request.equals(SwitchoverRequest.NONE)) {
                follower.tell(l -> l.switchoverIs(request, heardAt));
            }
        }

        /** Returns whether nobody follows the watch any more. */
        synchronized boolean leave(Follower follower) {
            followers.remove(follower);
            return followers.isEmpty();
        }

        private synchronized void tellAll(Consumer<LeaderListener> event) {
            last = event;
            followers.forEach(f -> f.tell(event));
        }

        @Override
        public void leaderIs(String member, long index) {
            tellAll(l -> l.leaderIs(member, index));
        }

        @Override
        public void noLeader(long index) {
            tellAll(l -> l.noLeader(index));
        }

        @Override
        public void unreachable(String reason) {
            tellAll(l -> l.unreachable(reason));
        }

        @Override
        public synchronized void switchoverIs(SwitchoverRequest request, Instant heardAt) {
            lastSwitchover = request;
            lastSwitchoverHeardAt = heardAt;
            followers.forEach(f -> f.tell(l -> l.switchoverIs(request, heardAt)));
        }
    }
}
