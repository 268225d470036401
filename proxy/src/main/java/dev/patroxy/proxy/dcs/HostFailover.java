package dev.patroxy.proxy.dcs;

import dev.patroxy.config.HostPort;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Which DCS host to ask, and when. A host that fails hands over to the next one at once; once every host has
 * failed in a row the DCS is unreachable, and the next round waits a delay that doubles from {@code minDelay}
 * up to {@code maxDelay}, so a dead DCS is neither hammered nor given up on. An answer from any host resets it.
 */
final class HostFailover {
    private final List<HostPort> hosts;
    private final Duration minDelay;
    private final Duration maxDelay;
    private int current;
    private int failedInRow;
    private Duration nextDelay;

    HostFailover(List<HostPort> hosts, Duration minDelay, Duration maxDelay) {
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("no DCS host");
        }
        this.hosts = List.copyOf(hosts);
        this.minDelay = minDelay;
        this.maxDelay = maxDelay;
        this.nextDelay = minDelay;
    }

    HostPort current() {
        return hosts.get(current);
    }

    /** The current host answered. */
    void succeeded() {
        failedInRow = 0;
        nextDelay = minDelay;
    }

    /**
     * The current host failed; the next one becomes current.
     *
     * @return empty to ask the next host now, or, when every host has just failed in a row, how long to wait first
     */
    Optional<Duration> failed() {
        current = (current + 1) % hosts.size();
        failedInRow++;
        if (failedInRow < hosts.size()) {
            return Optional.empty();
        }
        failedInRow = 0;
        Duration delay = nextDelay;
        nextDelay = nextDelay.multipliedBy(2).compareTo(maxDelay) > 0 ? maxDelay : nextDelay.multipliedBy(2);
        return Optional.of(delay);
    }
}
