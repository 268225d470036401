package dev.patroxy.proxy.dcs;

import dev.patroxy.config.DcsConfig;
import dev.patroxy.proxy.routing.SwitchoverRequest;
import java.util.concurrent.ScheduledExecutorService;
import okhttp3.OkHttpClient;

/**
 * Follows Patroni's failover key as {@link EtcdLeaderWatch} follows the leader key, telling its listener's
 * {@link LeaderListener#switchoverIs} what the key asks for. A key that cannot be read asks for nothing: without it
 * patroxy routes as it would with no switchover requested, on the leader key and the checks.
 */
public final class FailoverKeyWatch implements AutoCloseable {
    private final EtcdLeaderWatch watch;
    /** The last request passed on; the key absent, emptied and unreadable all ask for nothing, heard once. */
    private SwitchoverRequest passedOn;

    /** @param scheduler as {@link EtcdLeaderWatch}'s: one task at a time; the listener is called from it */
    public FailoverKeyWatch(DcsConfig config, OkHttpClient http, ScheduledExecutorService scheduler,
            LeaderListener listener) {
        this.watch = new EtcdLeaderWatch(config, config.failoverKey(), "failover key", http, scheduler,
                new LeaderListener() {
                    @Override
                    public void leaderIs(String value, long index) {
                        passOn(listener, SwitchoverRequest.of(value));
                    }

                    @Override
                    public void noLeader(long index) {
                        passOn(listener, SwitchoverRequest.NONE);
                    }

                    @Override
                    public void unreachable(String reason) {
                        passOn(listener, SwitchoverRequest.NONE);
                    }
                });
    }

    private void passOn(LeaderListener listener, SwitchoverRequest request) {
        if (!request.equals(passedOn)) {
            listener.switchoverIs(request);
            passedOn = request;
        }
    }

    public void start() {
        watch.start();
    }

    /** DCS requests for the failover key that failed. */
    public long requestFailures() {
        return watch.requestFailures();
    }

    @Override
    public void close() {
        watch.close();
    }
}
