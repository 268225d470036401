package dev.patroxy.proxy.routing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * New clients of one listener waiting while no server may take them (a switchover or failover in flight), as
 * PgBouncer's {@code PAUSE} holds them, instead of being turned away. When a server can take sessions again they
 * are let go first come, first served, at most {@code releasePerSecond} a second so that a reconnect storm does
 * not exhaust the new primary's {@code max_connections}. Thread-safe; used when sessions open, never per byte.
 */
public final class HoldQueue {
    private static final long SECOND = 1_000_000_000L;

    private final long releaseIntervalNanos;
    private final LongSupplier nanoTime;
    private final Set<Held> held = new LinkedHashSet<>();
    private long nextReleaseAt;
    private int maxHeld;
    private long released;
    private long timeouts;

    /** A held client. */
    public interface Held {
        /** The client may go on after {@code delayNanos}; called outside the lock, on any thread. */
        void release(long delayNanos);
    }

    /**
     * @param releasePerSecond clients let go per second, 0 for all at once
     * @param nanoTime the clock the pacing runs on
     */
    public HoldQueue(int releasePerSecond, LongSupplier nanoTime) {
        this.releaseIntervalNanos = releasePerSecond == 0 ? 0 : SECOND / releasePerSecond;
        this.nanoTime = nanoTime;
    }

    public synchronized void hold(Held client) {
        held.add(client);
        maxHeld = Math.max(maxHeld, held.size());
    }

    /** Takes {@code client} out of the queue (it left); true if it was still held. */
    public synchronized boolean withdraw(Held client) {
        return held.remove(client);
    }

    /** Takes {@code client} out because its hold ran out; true, and counted, if it was still held. */
    public synchronized boolean timeOut(Held client) {
        boolean wasHeld = held.remove(client);
        if (wasHeld) {
            timeouts++;
        }
        return wasHeld;
    }

    /**
     * Lets every held client go, in arrival order, each told how long to wait so that the pace holds across
     * successive releases too.
     */
    public void releaseAll() {
        List<Held> going;
        long[] delays;
        synchronized (this) {
            if (held.isEmpty()) {
                return;
            }
            going = new ArrayList<>(held);
            held.clear();
            delays = new long[going.size()];
            long now = nanoTime.getAsLong();
            long slot = Math.max(now, nextReleaseAt);
            for (int i = 0; i < delays.length; i++) {
                delays[i] = slot - now;
                slot += releaseIntervalNanos;
            }
            nextReleaseAt = slot;
            released += going.size();
        }
        for (int i = 0; i < delays.length; i++) {
            going.get(i).release(delays[i]);
        }
    }

    /** Clients held now. */
    public synchronized int size() {
        return held.size();
    }

    /** The most clients held at once since start. */
    public synchronized int maxHeld() {
        return maxHeld;
    }

    /** Clients let go since start. */
    public synchronized long released() {
        return released;
    }

    /** Clients turned away because their hold ran out, since start. */
    public synchronized long timeouts() {
        return timeouts;
    }
}
