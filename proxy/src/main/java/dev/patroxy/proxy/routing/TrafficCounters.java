package dev.patroxy.proxy.routing;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Session and byte counters, updated from the event loops without locks. Byte counts use {@link LongAdder}
 * because every read on every session adds to them.
 */
public final class TrafficCounters {
    private final AtomicLong current = new AtomicLong();
    private final AtomicLong max = new AtomicLong();
    private final LongAdder total = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();

    public void sessionOpened() {
        total.increment();
        long now = current.incrementAndGet();
        max.accumulateAndGet(now, Math::max);
    }

    public void sessionClosed() {
        current.decrementAndGet();
    }

    /** Bytes received from the client side. */
    public void addBytesIn(long n) {
        bytesIn.add(n);
    }

    /** Bytes sent towards the client side. */
    public void addBytesOut(long n) {
        bytesOut.add(n);
    }

    public long current() {
        return current.get();
    }

    public long max() {
        return max.get();
    }

    public long total() {
        return total.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }
}
