package dev.patroxy.proxy.health;

import dev.patroxy.proxy.sched.TaskFailures;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every running health check of the proxy, one per {@link CheckTarget}, shared by the configuration generations that
 * still need it: a reload's new generation and the replaced ones still draining sessions each subscribe, and each
 * routes on the same answers. A check starts with its first subscriber and stops with its last. Its own scheduler
 * thread sends the checks; answers reach each subscriber on the executor it gave.
 */
public final class CheckRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckRegistry.class);
    /** The status of a check that could not be sent at all (HAProxy's "socket error"). */
    public static final String ERROR_STATUS = "SOCKERR";

    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Function<CheckTarget, Probe> probes;
    private final RandomGenerator random;
    private final Map<CheckTarget, SharedCheck> checks = new HashMap<>();
    private final Runnable onClose;

    CheckRegistry(ScheduledExecutorService scheduler, Clock clock, Function<CheckTarget, Probe> probes,
            RandomGenerator random, Runnable onClose) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.probes = probes;
        this.random = random;
        this.onClose = onClose;
    }

    /** Checks over HTTP from a thread of their own, until {@link #close()}. */
    public static CheckRegistry overHttp(Clock clock) {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "patroxy-checks");
            t.setDaemon(true);
            return t;
        });
        OkHttpClient http = PatroniCheck.newSharedClient();
        return new CheckRegistry(thread, clock, target -> new PatroniCheck(http, target, clock),
                RandomGenerator.getDefault(), () -> {
                    thread.shutdownNow();
                    http.dispatcher().executorService().shutdown();
                });
    }

    /**
     * Subscribes to the check of {@code target}, starting it if nobody checks it yet; {@code onAnswer} gets every
     * answer and when its check was sent, on {@code deliverOn}.
     */
    public Subscription subscribe(CheckTarget target, Executor deliverOn, BiConsumer<CheckAnswer, Instant> onAnswer) {
        Subscription subscription = new Subscription(target);
        Subscriber subscriber = new Subscriber(deliverOn, onAnswer);
        subscription.subscriber = subscriber;
        onScheduler(() -> {
            SharedCheck check = checks.get(target);
            if (check == null) {
                if (target.deadline().compareTo(target.check().timeout()) < 0) {
                    log.warn("{}: timeout check {} ms is longer than a check may take; each is given {} ms", target,
                            target.check().timeout().toMillis(), target.deadline().toMillis());
                }
                check = new SharedCheck(target, scheduler, clock, probes, random);
                checks.put(target, check);
                check.subscribers().add(subscriber);
                check.start();
            } else {
                check.subscribers().add(subscriber);
            }
        });
        return subscription;
    }

    private void onScheduler(Runnable task) {
        try {
            scheduler.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("the checks have stopped: {}", e.toString());
        }
    }

    @Override
    public void close() {
        onScheduler(() -> {
            checks.values().forEach(SharedCheck::stop);
            checks.clear();
        });
        onClose.run();
    }

    /** Where one subscriber gets its answers. */
    static final class Subscriber {
        private final Executor executor;
        private final BiConsumer<CheckAnswer, Instant> onAnswer;

        private Subscriber(Executor executor, BiConsumer<CheckAnswer, Instant> onAnswer) {
            this.executor = executor;
            this.onAnswer = onAnswer;
        }

        void deliver(CheckAnswer answer, Instant sentAt, String check, TaskFailures failures) {
            try {
                executor.execute(() -> failures.run(check, () -> onAnswer.accept(answer, sentAt), e -> { }));
            } catch (RejectedExecutionException e) {
                log.debug("an answer for a stopped subscriber dropped");
            }
        }
    }

    /** One subscriber's hold on a shared check: asks it for checks sooner, and lets go of it. */
    public final class Subscription implements AutoCloseable {
        private final CheckTarget target;
        private Subscriber subscriber;

        private Subscription(CheckTarget target) {
            this.target = target;
        }

        public CheckTarget target() {
            return target;
        }

        /** Asks for a check within {@code within}; the check's minimum gap and single check on its way still hold. */
        public void hurry(Duration within) {
            onScheduler(() -> {
                SharedCheck check = checks.get(target);
                if (check != null) {
                    check.hurry(within);
                }
            });
        }

        /** Asks for a check as soon as the check's minimum gap allows. */
        public void checkNow() {
            hurry(Duration.ZERO);
        }

        /** Lets go; the check stops if nobody else follows it. */
        @Override
        public void close() {
            onScheduler(() -> {
                SharedCheck check = checks.get(target);
                if (check != null && check.subscribers().remove(subscriber) && check.subscribers().isEmpty()) {
                    check.stop();
                    checks.remove(target);
                }
            });
        }
    }
}
