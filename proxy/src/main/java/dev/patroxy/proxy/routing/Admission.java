package dev.patroxy.proxy.routing;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A limit on sessions held at once (HAProxy's {@code maxconn}) with a first-come first-served queue of sessions
 * waiting for a place. A leaving session hands its place straight to the first in line. Thread-safe; used when
 * sessions open and close, never per byte.
 */
public final class Admission {
    /** HAProxy averages queue times over its last 1024 sessions; so does this. */
    private static final int AVERAGE_WINDOW = 1024;

    /** Guarded by this; an operator may change it ({@link #setLimit}). */
    private int limit;
    private final LongSupplier nanoTime;
    private final Map<Waiter, Long> queue = new LinkedHashMap<>();
    private int inUse;
    private int maxQueued;
    private long timeouts;
    private long averaged;
    private double averageWaitNanos;
    private volatile Runnable onFullnessChange = () -> { };

    /** A session waiting in the queue. */
    public interface Waiter {
        /** The place is now this session's; called outside the lock, on any thread. */
        void admitted();
    }

    /**
     * @param limit places, or 0 for no limit
     * @param nanoTime the clock that times waits
     */
    public Admission(int limit, LongSupplier nanoTime) {
        this.limit = limit;
        this.nanoTime = nanoTime;
    }

    /** Runs {@code action} (outside the lock) whenever the limit becomes reached or stops being reached. */
    public void onFullnessChange(Runnable action) {
        this.onFullnessChange = action;
    }

    /** Takes a place now and returns true, or queues {@code waiter} and returns false. */
    public boolean enterOrQueue(Waiter waiter) {
        boolean entered;
        boolean becameFull;
        synchronized (this) {
            entered = limit == 0 || (inUse < limit && queue.isEmpty());
            if (entered) {
                inUse++;
                recordWait(0);
            } else {
                queue.put(waiter, nanoTime.getAsLong());
                maxQueued = Math.max(maxQueued, queue.size());
            }
            becameFull = entered && limit != 0 && inUse == limit;
        }
        if (becameFull) {
            onFullnessChange.run();
        }
        return entered;
    }

    /** Gives a place back: to the first waiter if there is one. */
    public void leave() {
        Waiter next = null;
        synchronized (this) {
            Iterator<Map.Entry<Waiter, Long>> first = queue.entrySet().iterator();
            if (first.hasNext()) {
                Map.Entry<Waiter, Long> entry = first.next();
                first.remove();
                recordWait(nanoTime.getAsLong() - entry.getValue());
                next = entry.getKey();
            } else {
                inUse--;
            }
        }
        if (next != null) {
            next.admitted();
        } else if (limit() != 0) {
            onFullnessChange.run();
        }
    }

    /** Takes a waiter out of the queue; false if it was not there (already admitted, or never queued). */
    public synchronized boolean withdraw(Waiter waiter) {
        return queue.remove(waiter) != null;
    }

    /** A waiter gave up after {@code timeout queue}. */
    public synchronized boolean timeOut(Waiter waiter) {
        if (queue.remove(waiter) == null) {
            return false;
        }
        timeouts++;
        return true;
    }

    /**
     * Admits every waiter at once, over the limit: for a server that stopped taking sessions, so that each waiter
     * finds it no longer routable, leaves, and is routed elsewhere instead of waiting for nothing.
     */
    public void releaseQueue() {
        List<Waiter> released;
        synchronized (this) {
            released = new ArrayList<>(queue.keySet());
            inUse += released.size();
            queue.clear();
        }
        released.forEach(Waiter::admitted);
    }

    private void recordWait(long nanos) {
        averaged = Math.min(averaged + 1, AVERAGE_WINDOW);
        averageWaitNanos += (nanos - averageWaitNanos) / averaged;
    }

    public synchronized int limit() {
        return limit;
    }

    /**
     * Changes the limit ({@code set maxconn}); 0 for none. A higher one lets the first waiters in at once; a lower one
     * cuts nobody, and sessions over it keep their places until they leave.
     */
    public void setLimit(int newLimit) {
        List<Waiter> admitted = new ArrayList<>();
        boolean fullnessChanged;
        synchronized (this) {
            boolean wasFull = isFull();
            limit = newLimit;
            Iterator<Map.Entry<Waiter, Long>> waiting = queue.entrySet().iterator();
            while (waiting.hasNext() && (limit == 0 || inUse < limit)) {
                Map.Entry<Waiter, Long> entry = waiting.next();
                waiting.remove();
                inUse++;
                recordWait(nanoTime.getAsLong() - entry.getValue());
                admitted.add(entry.getKey());
            }
            fullnessChanged = wasFull != isFull();
        }
        admitted.forEach(Waiter::admitted);
        if (fullnessChanged) {
            onFullnessChange.run();
        }
    }

    public synchronized int inUse() {
        return inUse;
    }

    public synchronized int queued() {
        return queue.size();
    }

    public synchronized int maxQueued() {
        return maxQueued;
    }

    /** Waiters that gave up after {@code timeout queue}. */
    public synchronized long timeouts() {
        return timeouts;
    }

    /** Average wait for a place over the last 1024 sessions, those admitted at once included. */
    public synchronized long averageWaitNanos() {
        return Math.round(averageWaitNanos);
    }

    /** Whether every place is taken. */
    public synchronized boolean isFull() {
        return limit != 0 && inUse >= limit;
    }
}
