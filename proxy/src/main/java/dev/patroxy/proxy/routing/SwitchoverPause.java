package dev.patroxy.proxy.routing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether primary listeners hold new sessions because Patroni was asked for a switchover. From the moment the
 * failover key asks the leader to hand over (or from the time it is scheduled for) until the leader key names
 * another member, a new session sent to the leader would meet its checkpoint and fast shutdown: one still
 * authenticating or in its first query then is cut with 57P01. Held instead, it goes to the new primary. The hold
 * lasts at most {@code limit}, so that a request Patroni never carries out (its leader hung) costs a bounded wait.
 * Used on the health thread only.
 */
public final class SwitchoverPause {
    static final Duration LONGEST_WAIT = Duration.ofHours(1);
    private final Duration limit;
    private final Clock clock;
    private SwitchoverRequest request = SwitchoverRequest.NONE;
    private Instant seenAt = Instant.MIN;

    /** @param limit the longest a request holds sessions; {@link Duration#ZERO}: requests hold none */
    public SwitchoverPause(Duration limit, Clock clock) {
        this.limit = limit;
        this.clock = clock;
    }

    /**
     * What the failover key asks for now, first heard at {@code heardAt}; returns whether it differs from what it
     * asked before.
     */
    public boolean requested(SwitchoverRequest now, Instant heardAt) {
        if (now.equals(request)) {
            return false;
        }
        request = now;
        seenAt = heardAt;
        return true;
    }

    public SwitchoverRequest request() {
        return request;
    }

    /** Whether new sessions are held now, with {@code leader} what the leader key says. */
    public boolean holds(DcsLeader leader) {
        if (!applies(leader)) {
            return false;
        }
        Instant now = clock.instant();
        return !now.isBefore(start()) && now.isBefore(start().plus(limit));
    }

    /**
     * How long until {@link #holds} may change by time alone (the scheduled time comes, the limit runs out), if
     * ever; at most {@link #LONGEST_WAIT}, so that a switchover scheduled years ahead is still one timer.
     */
    public Optional<Duration> untilChange(DcsLeader leader) {
        if (!applies(leader)) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (now.isBefore(start())) {
            Duration wait = Duration.between(now, start());
            return Optional.of(wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait);
        }
        Instant end = start().plus(limit);
        return now.isBefore(end) ? Optional.of(Duration.between(now, end)) : Optional.empty();
    }

    private boolean applies(DcsLeader leader) {
        return !limit.isZero() && leader.known() && request.asksToHandOver(leader.member());
    }

    private Instant start() {
        Instant scheduled = request.scheduledAt();
        return scheduled != null && scheduled.isAfter(seenAt) ? scheduled : seenAt;
    }
}
