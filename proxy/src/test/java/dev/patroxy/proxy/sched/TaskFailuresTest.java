package dev.patroxy.proxy.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class TaskFailuresTest {
    private final AtomicLong now = new AtomicLong();
    private final TaskFailures failures = new TaskFailures(LoggerFactory.getLogger(TaskFailuresTest.class),
            Duration.ofSeconds(60), now::get);
    private final List<String> ran = new ArrayList<>();

    @Test
    void aTaskThatThrowsIsCountedAndRecoveredFrom() {
        Runnable task = failures.guard("watch", () -> {
            throw new IllegalStateException("bug");
        }, () -> ran.add("recovered"));

        task.run();
        task.run();

        assertThat(ran).containsExactly("recovered", "recovered");
        assertThat(failures.total()).isEqualTo(2);
        assertThat(failures.last()).hasValue("watch: java.lang.IllegalStateException: bug");
    }

    @Test
    void theOwnerIsHandedWhatTheTaskThrew() {
        List<Throwable> handled = new ArrayList<>();
        failures.run("check of pg01", () -> {
            throw new IllegalArgumentException("Invalid URL port: \"\"");
        }, handled::add);

        assertThat(handled).singleElement().isInstanceOf(IllegalArgumentException.class);
        assertThat(failures.total()).isEqualTo(1);
        assertThat(failures.last()).hasValue("check of pg01: java.lang.IllegalArgumentException: Invalid URL port: \"\"");
    }

    @Test
    void aTaskThatSucceedsIsNotCountedAndNotRecoveredFrom() {
        failures.guard("watch", () -> ran.add("ran"), () -> ran.add("recovered")).run();

        assertThat(ran).containsExactly("ran");
        assertThat(failures.total()).isZero();
        assertThat(failures.last()).isEmpty();
    }

    @Test
    void aRecoveryThatThrowsIsCountedTooAndGoesNoFurther() {
        Runnable task = failures.guard("watch", () -> {
            throw new IllegalStateException("bug");
        }, () -> {
            throw new IllegalArgumentException("worse");
        });

        task.run();

        assertThat(failures.total()).isEqualTo(2);
        assertThat(failures.last()).hasValue("watch (recovering): java.lang.IllegalArgumentException: worse");
    }

    @Test
    void theJvmRunningOutOfMemoryIsCountedAndRethrown() {
        Runnable task = failures.guard("watch", () -> {
            throw new OutOfMemoryError("test");
        }, () -> ran.add("recovered"));

        assertThatThrownBy(task::run).isInstanceOf(OutOfMemoryError.class);
        assertThat(failures.total()).isEqualTo(1);
        assertThat(ran).isEmpty();
    }

    @Test
    void aFailureInALoopIsWarnedOfOncePerIntervalWithTheNumberLeftUnsaid() {
        ch.qos.logback.classic.Logger logger = new ch.qos.logback.classic.LoggerContext().getLogger("t");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        TaskFailures looping = new TaskFailures(logger, Duration.ofSeconds(60), now::get);

        for (int i = 0; i < 5; i++) {
            looping.report("watch", new IllegalStateException("bug " + i));
            now.addAndGet(Duration.ofSeconds(10).toNanos());
        }
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        looping.report("watch", new IllegalStateException("bug 5"));

        assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("watch failed; it is tried again",
                        "watch failed; it is tried again (4 more failures since the last warning)");
        assertThat(logged.list.get(0).getThrowableProxy().getMessage()).isEqualTo("bug 0");
        assertThat(looping.total()).isEqualTo(6);
    }
}
