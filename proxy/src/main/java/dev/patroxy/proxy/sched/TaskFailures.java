package dev.patroxy.proxy.sched;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Where the exceptions of scheduled tasks and callbacks go instead of vanishing into a {@code Future} or an HTTP
 * client's thread: each one is counted, and logged with its stack trace at most once per interval (the others at
 * debug, and their number in the next warning), so that a task failing in a loop neither dies silently nor floods
 * the log. {@link #guard} wraps a task so that a failure is reported and then recovered from.
 */
public final class TaskFailures {
    private final Logger log;
    private final LogThrottle throttle;
    private final LongSupplier nanoTime;
    private long total;
    private String last;

    /**
     * @param log where warnings go
     * @param logEvery the least time between two warnings
     * @param nanoTime the clock the interval is measured on
     */
    public TaskFailures(Logger log, Duration logEvery, LongSupplier nanoTime) {
        this.log = log;
        this.throttle = new LogThrottle(logEvery);
        this.nanoTime = nanoTime;
    }

    /** Warns at most once a minute. */
    public TaskFailures(Logger log) {
        this(log, Duration.ofMinutes(1), System::nanoTime);
    }

    /**
     * {@code task}, which on failure reports it as {@code name} and runs {@code recover} (whose own failure is
     * reported too). A {@link VirtualMachineError} is reported and rethrown: the JVM cannot go on as if it were fine.
     */
    public Runnable guard(String name, Runnable task, Runnable recover) {
        return () -> run(name, task, e -> recover.run());
    }

    /**
     * Runs {@code task}; on failure reports it as {@code name} and hands it to {@code recover} (whose own failure is
     * reported too). A {@link VirtualMachineError} is reported and rethrown.
     */
    public void run(String name, Runnable task, Consumer<Throwable> recover) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            report(name, e);
            if (e instanceof VirtualMachineError) {
                throw e;
            }
            try {
                recover.accept(e);
            } catch (RuntimeException | Error again) {
                report(name + " (recovering)", again);
                if (again instanceof VirtualMachineError) {
                    throw again;
                }
            }
        }
    }

    /** Counts {@code error}, and logs it unless a warning went out less than the interval ago. */
    public void report(String name, Throwable error) {
        synchronized (this) {
            total++;
            last = name + ": " + error;
        }
        long suppressed = throttle.pass(nanoTime.getAsLong());
        if (suppressed < 0) {
            log.debug("{} failed: {}", name, error.toString());
        } else if (suppressed == 0) {
            log.warn("{} failed; it is tried again", name, error);
        } else {
            log.warn("{} failed; it is tried again ({} more failures since the last warning)", name, suppressed,
                    error);
        }
    }

    /** How many failures were reported. */
    public synchronized long total() {
        return total;
    }

    /** The latest failure reported, as {@code name: exception}. */
    public synchronized Optional<String> last() {
        return Optional.ofNullable(last);
    }
}
