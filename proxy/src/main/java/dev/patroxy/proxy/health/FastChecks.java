package dev.patroxy.proxy.health;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which servers are checked fast after a role change, and how fast: a server whose state disagrees with the leader
 * key is checked every {@link #FIRST_GAP} for the {@link #STEADY} a promotion usually takes, then ever less often
 * (the gap doubles) until it reaches {@code inter}, and never past {@link #WINDOW}. An episode ends at the first answer
 * after which the server agrees. Plain state, one thread.
 *
 * @param <K> what a server is known by
 */
final class FastChecks<K> {
    /** The gap between fast checks while the change is young: the new primary is routed within one of it. */
    static final Duration FIRST_GAP = Duration.ofMillis(50);
    /** How long disagreement is checked at {@link #FIRST_GAP}; a switchover's promotion takes about a second. */
    static final Duration STEADY = Duration.ofSeconds(2);
    /** Fast checks stop after this even if the server never agrees (a node that cannot be reached). */
    static final Duration WINDOW = Duration.ofSeconds(30);

    private record Episode(Instant started, boolean wasUp, Duration gap) {
    }

    private final Map<K, Episode> episodes = new HashMap<>();

    /** Starts (or restarts) an episode for {@code key}, which was UP or not when the change was seen. */
    void start(K key, boolean wasUp, Instant now) {
        episodes.put(key, new Episode(now, wasUp, FIRST_GAP));
    }

    /** Whether {@code key} was UP when its episode started (false without one). */
    boolean wasUp(K key) {
        Episode e = episodes.get(key);
        return e != null && e.wasUp();
    }

    boolean active(K key) {
        return episodes.containsKey(key);
    }

    /**
     * After an answer: the delay of the next fast check of {@code key}, or empty when it is not checked fast (no
     * episode, it agrees now, the window is over, or the gap has grown to {@code inter}); an empty answer ends the
     * episode.
     */
    Optional<Duration> next(K key, boolean disagrees, Duration inter, Instant now) {
        Episode e = episodes.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!disagrees || !now.isBefore(e.started().plus(WINDOW))) {
            episodes.remove(key);
            return Optional.empty();
        }
        Duration gap = now.isBefore(e.started().plus(STEADY)) ? FIRST_GAP : e.gap().multipliedBy(2);
        if (gap.compareTo(inter) >= 0) {
            episodes.remove(key);
            return Optional.empty();
        }
        episodes.put(key, new Episode(e.started(), e.wasUp(), gap));
        return Optional.of(gap);
    }
}
