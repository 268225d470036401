package dev.patroxy.config;

import java.time.Duration;
import java.util.List;

/**
 * Where Patroni keeps its leader key (the {@code etcd:} or {@code etcd3:} section of patroni.yml, with its
 * {@code scope} and {@code namespace}), so that patroxy can watch the key instead of waiting for REST checks.
 *
 * @param namespace Patroni's {@code namespace} in its canonical form: a leading slash and no trailing one
 *     ({@code /service}), or empty for the root
 * @param timeout how long a DCS host may take to answer a request (for a watch: to start answering) before
 *     patroxy tries the next host
 * @param watchTimeout how long one watch may wait for a change before patroxy asks again; a DCS cut off
 *     silently mid-watch is noticed within {@code watchTimeout + timeout}
 * @param revalidate how often patroxy confirms what the watch says with a quorum read, so that a change the watch
 *     missed (or a watch that fell behind without saying so) is found within this long
 * @param switchoverPause the longest primary listeners hold new sessions, from the moment Patroni's failover key
 *     asks the current leader to hand over, until the leader key names another member; {@link Duration#ZERO}: never
 * @param access TLS (client certificates included) and etcd's own authentication
 */
public record DcsConfig(DcsType type, List<HostPort> hosts, String scope, String namespace, Duration timeout,
        Duration watchTimeout, Duration revalidate, Duration switchoverPause, ApiAccess access) {
    public DcsConfig {
        hosts = List.copyOf(hosts);
    }

    /** A DCS reached over plain HTTP without authentication. */
    public DcsConfig(DcsType type, List<HostPort> hosts, String scope, String namespace, Duration timeout,
            Duration watchTimeout, Duration revalidate, Duration switchoverPause) {
        this(type, hosts, scope, namespace, timeout, watchTimeout, revalidate, switchoverPause, ApiAccess.PLAIN);
    }

    /**
     * Whether {@code other} names the same keys in the same etcd, however it is reached: a renewed certificate or
     * password does not change what the leader key says.
     */
    public boolean sameKeys(DcsConfig other) {
        return withAccess(ApiAccess.PLAIN).equals(other.withAccess(ApiAccess.PLAIN));
    }

    public DcsConfig withAccess(ApiAccess newAccess) {
        return new DcsConfig(type, hosts, scope, namespace, timeout, watchTimeout, revalidate, switchoverPause,
                newAccess);
    }

    /** The path of the leader key below the API's key space, as Patroni builds it: {@code /service/batman/leader}. */
    public String leaderKey() {
        return namespace + "/" + scope + "/leader";
    }

    /**
     * The key where {@code patronictl switchover} (through the leader's REST API, or directly) asks for a switchover:
     * {@code /service/batman/failover}.
     */
    public String failoverKey() {
        return namespace + "/" + scope + "/failover";
    }

    /** The directory where every Patroni member of the cluster keeps a key named by its member name. */
    public String membersKey() {
        return namespace + "/" + scope + "/members";
    }
}
