package dev.patroxy.proxy.dcs;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A one-thread scheduler on which time moves only when a test says: tasks without a delay run at once, delayed
 * ones are held until {@link #fire} runs them.
 */
final class ManualScheduler extends ScheduledThreadPoolExecutor {
    private record Held(Duration delay, Runnable task, ScheduledFuture<?> handle) {
    }

    private final List<Held> held = new CopyOnWriteArrayList<>();

    ManualScheduler() {
        super(1);
        setRemoveOnCancelPolicy(true);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        if (delay <= 0) {
            return super.schedule(task, 0, unit);
        }
        ScheduledFuture<?> handle = super.schedule(() -> { }, 1, TimeUnit.DAYS);
        held.add(new Held(Duration.ofNanos(unit.toNanos(delay)), task, handle));
        return handle;
    }

    /** The delays of the held tasks not cancelled, in the order they were scheduled. */
    List<Duration> pending() {
        return held.stream().filter(h -> !h.handle().isCancelled()).map(Held::delay).toList();
    }

    /** Lets {@code delay} pass for the held tasks of that delay: runs them on the scheduler's thread. */
    void fire(Duration delay) throws Exception {
        submit(() -> {
            for (Held h : held) {
                if (h.delay().equals(delay) && h.handle().cancel(false)) {
                    held.remove(h);
                    h.task().run();
                }
            }
        }).get(5, TimeUnit.SECONDS);
    }
}
