package dev.patroxy.proxy.sched;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Keeps a scheduled task's exception from vanishing: a {@link java.util.concurrent.ScheduledExecutorService} stores it
 * in a future nobody reads and never runs a periodic task again. A guarded task logs what it threw (the first time,
 * then at most once per {@link #LOG_EVERY_NANOS} with how many were not logged), counts it, and hands it to the
 * owner, who reschedules. Errors of the JVM itself ({@link VirtualMachineError}) are not caught.
 */
public final class TaskGuard {
    static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Logger log;
    private final String what;
    private final LongSupplier nanoTime;
    private final AtomicLong errors = new AtomicLong();
    private long lastLogged;
    private long unlogged;
    private boolean loggedOnce;

    /** @param what names the tasks in the log, e.g. {@code "check of pg01 (http://10.0.0.1:8008/primary)"} */
    public TaskGuard(Logger log, String what, LongSupplier nanoTime) {
        this.log = log;
        this.what = what;
        this.nanoTime = nanoTime;
    }

    /** Runs {@code task}; if it throws, logs and counts it, then runs {@code onError} (itself guarded by logging). */
    public void run(Runnable task, Consumer<Throwable> onError) {
        try {
            task.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            failed(e);
            try {
                onError.accept(e);
            } catch (RuntimeException again) {
                log.error("{}: recovering from an error failed too", what, again);
            }
        }
    }

    /** Records an error that the owner caught itself. */
    public synchronized void failed(Throwable e) {
        errors.incrementAndGet();
        long now = nanoTime.getAsLong();
        if (!loggedOnce || now - lastLogged >= LOG_EVERY_NANOS) {
            String suppressed = unlogged == 0 ? "" : " (" + unlogged + " more since the last one logged)";
            log.error("{} failed{}; it is retried", what, suppressed, e);
            loggedOnce = true;
            lastLogged = now;
            unlogged = 0;
        } else {
            unlogged++;
        }
    }

    /** Errors so far. */
    public long errors() {
        return errors.get();
    }
}
