package dev.patroxy.proxy.relay;

import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the clients of one listener closed before their first packet was read whole, and says so: one debug line
 * each, and one info line {@link #SUMMARY_EVERY} after the first of a burst with how many of each kind it held, so
 * that a flood of hostile clients cannot flood the log.
 */
final class FirstPacketRejections {
    private static final Logger log = LoggerFactory.getLogger(FirstPacketRejections.class);
    static final long SUMMARY_EVERY = TimeUnit.SECONDS.toNanos(10);

    enum Reason {
        /** Sent nothing, or part of its first packet, within {@code timeout client-hello}. */
        TIMEOUT("did not send its first packet within timeout client-hello"),
        /** Closed its side before its first packet was whole. */
        INCOMPLETE("closed before its first packet was whole"),
        /** Sent something that is not a PostgreSQL client's first packet. */
        INVALID("sent an invalid first packet"),
        /** Came while as many clients as the proxy allows were in their first packet. */
        OVER_LIMIT("came while the proxy's places for clients in their first packet were all taken");

        private final String description;

        Reason(String description) {
            this.description = description;
        }
    }

    private final String listener;
    private final LongAdder[] total = new LongAdder[Reason.values().length];
    private final AtomicLong[] sinceSummary = new AtomicLong[Reason.values().length];
    private final AtomicBoolean summaryDue = new AtomicBoolean();
    private final Runnable summary = this::summarise;

    FirstPacketRejections(String listener) {
        this.listener = listener;
        for (int i = 0; i < total.length; i++) {
            total[i] = new LongAdder();
            sinceSummary[i] = new AtomicLong();
        }
    }

    /** Counts one; {@code later} runs the burst's summary. */
    void rejected(Reason reason, SocketAddress client, String detail, ScheduledExecutorService later) {
        total[reason.ordinal()].increment();
        sinceSummary[reason.ordinal()].incrementAndGet();
        if (log.isDebugEnabled()) {
            log.debug("{}: {} {}{}; closing", listener, client, reason.description,
                    detail == null ? "" : " (" + detail + ")");
        }
        if (summaryDue.compareAndSet(false, true)) {
            later.schedule(summary, SUMMARY_EVERY, TimeUnit.NANOSECONDS);
        }
    }

    private void summarise() {
        summaryDue.set(false);
        StringBuilder counts = new StringBuilder();
        for (Reason reason : Reason.values()) {
            long n = sinceSummary[reason.ordinal()].getAndSet(0);
            if (n > 0) {
                counts.append(counts.isEmpty() ? "" : "; ").append(n).append(' ').append(reason.description);
            }
        }
        if (!counts.isEmpty()) {
                log.info("{}: clients closed in their first packet in the last {} s: {}", listener,
                    TimeUnit.NANOSECONDS.toSeconds(SUMMARY_EVERY), counts);
        }
    }

    long count(Reason reason) {
        return total[reason.ordinal()].sum();
    }

    /** Every client closed before its first packet was read whole, whatever the reason. */
    long total() {
        long sum = 0;
        for (LongAdder n : total) {
            sum += n.sum();
        }
        return sum;
    }
}
