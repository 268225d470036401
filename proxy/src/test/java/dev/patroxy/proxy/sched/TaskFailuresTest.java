package dev.patroxy.proxy.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
