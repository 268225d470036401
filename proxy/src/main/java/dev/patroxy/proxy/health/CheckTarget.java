package dev.patroxy.proxy.health;

import dev.patroxy.config.ApiAccess;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import java.time.Duration;

/**
 * What one check asks of whom: a Patroni API address, how it is reached (TLS, authentication) and the check (method,
 * path, expected status, interval, timeout). Servers of any listener or configuration generation with equal targets
 * share one running check.
 */
public record CheckTarget(HostPort address, CheckConfig check, ApiAccess access) {
    /** A check of an API in plain HTTP without authentication. */
    public CheckTarget(HostPort address, CheckConfig check) {
        this(address, check, ApiAccess.PLAIN);
    }

    /** A check never waits longer than this for its answer, unless its interval is longer. */
    static final Duration DEADLINE_CEILING = Duration.ofSeconds(5);

    /**
     * How long one check may take: {@code timeout check}, but at most the longer of {@code inter} and
     * {@link #DEADLINE_CEILING}. A Patroni API that needs longer is not answering, and a check of days would hold
     * the server's only check slot, so its state would never change again.
     */
    Duration deadline() {
        Duration ceiling = check.interval().compareTo(DEADLINE_CEILING) > 0 ? check.interval() : DEADLINE_CEILING;
        return check.timeout().compareTo(ceiling) > 0 ? ceiling : check.timeout();
    }

    /** Where the check goes: {@code https://} when the API is reached over TLS. */
    public String url() {
        return access.scheme() + "://" + address + check.path();
    }

    @Override
    public String toString() {
        return check.method() + " " + url();
    }
}
