package dev.patroxy.stats;

import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Which stats timeout runs on one connection and when it runs out. A connection is always in exactly one phase, so
 * exactly one timeout applies: the client is sending a request, the client is taking a response, or the connection
 * waits, kept alive, for the next request.
 */
final class ConnectionDeadline {
    enum Phase {
        /** From the accept, or from the first byte after a response, until the request is complete. */
        REQUEST,
        /** While a response is written; each sign that the client takes some of it starts the timeout again. */
        RESPONSE,
        /** Between a response and the first byte of the next request. */
        KEEP_ALIVE
    }

    private final StatsLimits limits;
    private final LongSupplier nanoTime;
    private Phase phase;
    private long deadline;

    ConnectionDeadline(StatsLimits limits, LongSupplier nanoTime) {
        this.limits = limits;
        this.nanoTime = nanoTime;
        enter(Phase.REQUEST);
    }

    /** @return whether the deadline moved: the first byte of a new request ends the keep-alive wait */
    boolean bytesArrived() {
        if (phase != Phase.KEEP_ALIVE) {
            return false;
        }
        enter(Phase.REQUEST);
        return true;
    }

    void responding() {
        enter(Phase.RESPONSE);
    }

    /** @return whether the deadline moved: the client took part of the response */
    boolean responseTaken() {
        if (phase != Phase.RESPONSE) {
            return false;
        }
        enter(Phase.RESPONSE);
        return true;
    }

    void awaitingRequest() {
        enter(Phase.KEEP_ALIVE);
    }

    Phase phase() {
        return phase;
    }

    long nanosLeft() {
        return Math.max(0, deadline - nanoTime.getAsLong());
    }

    /** The phase whose timeout ran out, if it did. */
    Optional<Phase> expired() {
        return nanoTime.getAsLong() - deadline >= 0 ? Optional.of(phase) : Optional.empty();
    }

    private void enter(Phase next) {
        phase = next;
        long timeout = switch (next) {
            case REQUEST -> limits.requestTimeout().toNanos();
            case RESPONSE -> limits.clientTimeout().toNanos();
            case KEEP_ALIVE -> limits.keepAliveTimeout().toNanos();
        };
        deadline = nanoTime.getAsLong() + timeout;
    }
}
