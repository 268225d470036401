package dev.patroxy.proxy.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class TaskGuardTest {
    private final Logger log = (Logger) LoggerFactory.getLogger("task-guard-test");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final AtomicLong nanos = new AtomicLong();
    private final TaskGuard guard = new TaskGuard(log, "check of pg01", nanos::get);
    private final List<Throwable> handled = new ArrayList<>();

    TaskGuardTest() {
        logged.start();
        log.addAppender(logged);
    }

    @AfterEach
    void detach() {
        log.detachAppender(logged);
    }

    private void fail() {
        guard.run(() -> {
            throw new IllegalArgumentException("Invalid URL port: \"\"");
        }, handled::add);
    }

    @Test
    void anErrorIsLoggedCountedAndHandedToTheOwner() {
        fail();

        assertThat(guard.errors()).isEqualTo(1);
        assertThat(handled).singleElement().isInstanceOf(IllegalArgumentException.class);
        assertThat(logged.list).singleElement().satisfies(e ->
                assertThat(e.getFormattedMessage()).isEqualTo("check of pg01 failed; it is retried"));
    }

    @Test
    void repeatedErrorsAreLoggedOnceAMinuteWithHowManyWentUnlogged() {
        for (int i = 0; i < 20; i++) {
            fail();
            nanos.addAndGet(TimeUnit.SECONDS.toNanos(5));
        }

        assertThat(guard.errors()).isEqualTo(20);
        assertThat(handled).hasSize(20);
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "check of pg01 failed; it is retried",
                "check of pg01 failed (11 more since the last one logged); it is retried");
    }

    @Test
    void aTaskThatSucceedsCostsNothingAndTheJvmsOwnErrorsPassThrough() {
        guard.run(() -> { }, handled::add);
        assertThat(guard.errors()).isZero();

        assertThatThrownBy(() -> guard.run(() -> {
            throw new OutOfMemoryError("test");
        }, handled::add)).isInstanceOf(OutOfMemoryError.class);
        assertThat(handled).isEmpty();
    }
}
