package dev.patroxy.proxy.dcs;

import dev.patroxy.config.DcsConfig;
import dev.patroxy.proxy.routing.SwitchoverRequest;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import okhttp3.OkHttpClient;

/**
 * Follows Patroni's failover key as {@link EtcdLeaderWatch} follows the leader key, telling its listener's
 * {@link LeaderListener#switchoverIs} what the key asks for. While etcd cannot be reached the request last heard
 * stands (its pause is bounded anyway); a key that cannot be read as a request asks for nothing.
 */
public final class FailoverKeyWatch implements AutoCloseable {
    private final EtcdLeaderWatch watch;
    /** The last request passed on; the key absent and the key emptied both ask for nothing, heard once. */
    private SwitchoverRequest passedOn;
    private final Clock clock;

    /**
     * @param scheduler as {@link EtcdLeaderWatch}'s: one task at a time; the listener is called from it
     * @param clock what tells when a request was first heard
     * @param leaderWatch the leader key's watch of the same etcd, whose request failures count this watch's too
     */
    public FailoverKeyWatch(DcsConfig config, OkHttpClient http, ScheduledExecutorService scheduler,
            LeaderListener listener, Clock clock, EtcdLeaderWatch leaderWatch) {
        this.clock = clock;
        this.watch = new EtcdLeaderWatch(config, config.failoverKey(), "failover key", http, scheduler,
                new LeaderListener() {
                    @Override
                    public void leaderIs(String value, long index) {
                        passOn(listener, SwitchoverRequest.of(value, index));
                    }

                    @Override
                    public void noLeader(long index) {
                        passOn(listener, SwitchoverRequest.NONE);
                    }

                    @Override
                    public void unreachable(String reason) {
                        // The same request read again once etcd answers must not start a new pause.
                    }
                }, leaderWatch.requestFailureCounter());
    }

    private void passOn(LeaderListener listener, SwitchoverRequest request) {
        if (!request.equals(passedOn)) {
            listener.switchoverIs(request, clock.instant());
            passedOn = request;
        }
    }

    public void start() {
        watch.start();
    }

    @Override
    public void close() {
        watch.close();
    }
}
