package dev.patroxy.proxy.health;

import dev.patroxy.proxy.sched.TaskFailures;
import dev.patroxy.stats.CheckResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one running check of a {@link CheckTarget}, shared by every subscriber (the servers of every listener and
 * configuration generation checked the same way). At most one check is on its way at a time, two are sent at least
 * {@link #MIN_GAP} apart, and every delay gets a little jitter so that servers are not checked in lockstep. The next
 * check goes out {@code inter} after an answer, sooner when a subscriber {@link #hurry hurries} it. Nothing here can
 * stop the schedule: a probe that throws is an error answer, a probe that never answers is timed out by
 * {@link #OVERDUE_GRACE} past its deadline. Runs on the registry's scheduler thread only.
 */
final class SharedCheck {
    private static final Logger log = LoggerFactory.getLogger(SharedCheck.class);
    /** The shortest time between two checks of one target, whoever asks. */
    static final Duration MIN_GAP = Duration.ofMillis(50);
    /** The first check of a new target goes out within this, so that many servers do not start at once. */
    static final Duration START_SPREAD = Duration.ofMillis(50);
    /** How long past its deadline a check that never answered is given up. */
    static final Duration OVERDUE_GRACE = Duration.ofSeconds(1);
    /** Jitter added to every delay, as a fraction of it, and at most {@link #MAX_JITTER}. */
    private static final double JITTER = 0.1;
    /** Enough to keep fast checks of several servers apart; small enough to leave {@code inter} as configured. */
    static final Duration MAX_JITTER = Duration.ofMillis(25);

    private final CheckTarget target;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Function<CheckTarget, Probe> probes;
    private final RandomGenerator random;
    private final String name;
    private final TaskFailures failures = new TaskFailures(log);
    private final List<CheckRegistry.Subscriber> subscribers = new ArrayList<>();
    private Probe probe;
    private ScheduledFuture<?> next;
    private Instant nextAt = Instant.MAX;
    private ScheduledFuture<?> overdue;
    private long attempt;
    private boolean inFlight;
    private Instant lastSent = Instant.MIN;
    /** A hurry asked while a check was on its way: the delay after its answer. */
    private Duration wanted;
    private boolean stopped;

    SharedCheck(CheckTarget target, ScheduledExecutorService scheduler, Clock clock,
            Function<CheckTarget, Probe> probes, RandomGenerator random) {
        this.target = target;
        this.scheduler = scheduler;
        this.clock = clock;
        this.probes = probes;
        this.random = random;
        this.name = "check " + target;
    }

    List<CheckRegistry.Subscriber> subscribers() {
        return subscribers;
    }

    void start() {
        scheduleIn(Duration.ofMillis(random.nextLong(START_SPREAD.toMillis() + 1)));
    }

    void stop() {
        stopped = true;
        cancel(next);
        cancel(overdue);
    }

    /** Asks for a check within {@code within} (plus jitter), no sooner than {@link #MIN_GAP} after the last one. */
    void hurry(Duration within) {
        if (stopped) {
            return;
        }
        if (inFlight) {
            wanted = wanted == null || within.compareTo(wanted) < 0 ? within : wanted;
            return;
        }
        Duration delay = respectingGap(within);
        if (next != null && !clock.instant().plus(delay).isBefore(nextAt)) {
            return;
        }
        cancel(next);
        scheduleIn(delay);
    }

    private Duration respectingGap(Duration within) {
        Instant earliest = lastSent == Instant.MIN ? Instant.MIN : lastSent.plus(MIN_GAP);
        Duration untilGapEnds = earliest == Instant.MIN ? Duration.ZERO : Duration.between(clock.instant(), earliest);
        return within.compareTo(untilGapEnds) >= 0 ? within : untilGapEnds;
    }

    private void scheduleIn(Duration delay) {
        if (stopped) {
            return;
        }
        long jitterNanos = (long) (Math.min(delay.toNanos() * JITTER, MAX_JITTER.toNanos()) * random.nextDouble());
        Duration withJitter = delay.plusNanos(jitterNanos);
        nextAt = clock.instant().plus(withJitter);
        next = scheduler.schedule(() -> failures.run(name, this::send, this::sendFailed), withJitter.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void send() {
        next = null;
        nextAt = Instant.MAX;
        if (stopped) {
            return;
        }
        long id = ++attempt;
        Instant sentAt = clock.instant();
        lastSent = sentAt;
        inFlight = true;
        Duration deadline = target.deadline();
        overdue = scheduler.schedule(() -> failures.run(name, () -> answered(id, noAnswer(sentAt, deadline),
                sentAt), this::sendFailed), deadline.plus(OVERDUE_GRACE).toNanos(), TimeUnit.NANOSECONDS);
        if (probe == null) {
            probe = probes.apply(target);
        }
        probe.run(answer -> onScheduler(() -> answered(id, answer, sentAt)));
    }

    /** The probe could not be made or sent: the subscribers hear an error answer and the check goes on. */
    private void sendFailed(Throwable error) {
        inFlight = false;
        cancel(overdue);
        Instant now = clock.instant();
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        deliver(new CheckAnswer(new CheckResult(CheckRegistry.ERROR_STATUS, 0, Duration.ZERO,
                "check not sent: " + message + " (" + target + ")", now), null, 0), now);
        if (next == null) {
            scheduleIn(target.check().interval());
        }
    }

    private CheckAnswer noAnswer(Instant sentAt, Duration deadline) {
        failures.report(name, new IllegalStateException("no answer within " + deadline.plus(OVERDUE_GRACE).toMillis() + "ms"));
        Instant now = clock.instant();
        return new CheckAnswer(new CheckResult("L4TOUT", 0, Duration.between(sentAt, now),
                "no answer within " + deadline.toMillis() + "ms", now), null, 0);
    }

    private void onScheduler(Runnable task) {
        if (stopped) {
            return;
        }
        try {
            scheduler.execute(() -> failures.run(name, task, this::sendFailed));
        } catch (RejectedExecutionException e) {
            log.debug("{}: answer dropped, the checks have stopped", target);
        }
    }

    private void answered(long id, CheckAnswer answer, Instant sentAt) {
        if (id != attempt || !inFlight || stopped) {
            return;
        }
        inFlight = false;
        cancel(overdue);
        deliver(answer, sentAt);
        Duration delay = target.check().interval();
        if (wanted != null) {
            delay = wanted.compareTo(delay) < 0 ? wanted : delay;
            wanted = null;
        }
        scheduleIn(respectingGap(delay));
    }

    private void deliver(CheckAnswer answer, Instant sentAt) {
        for (CheckRegistry.Subscriber subscriber : List.copyOf(subscribers)) {
            subscriber.deliver(answer, sentAt, name, failures);
        }
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }
}
