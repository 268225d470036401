package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AcceptFailuresTest {
    private final Logger log = (Logger) LoggerFactory.getLogger(AcceptFailures.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final AtomicInteger resumed = new AtomicInteger();
    private final EmbeddedChannel socket = new EmbeddedChannel(new AcceptFailures("primary", resumed::incrementAndGet));

    AcceptFailuresTest() {
        logged.start();
        log.addAppender(logged);
    }

    @AfterEach
    void detach() {
        log.detachAppender(logged);
        socket.finishAndReleaseAll();
    }

    @Test
    void aFailedAcceptPausesAcceptingAndResumesAfterThePause() {
        socket.freezeTime();
        socket.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));

        assertThat(socket.config().isAutoRead()).isFalse();
        socket.advanceTimeBy(AcceptFailures.PAUSE.toMillis() - 1, TimeUnit.MILLISECONDS);
        socket.runScheduledPendingTasks();
        assertThat(resumed).hasValue(0);
        socket.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        socket.runScheduledPendingTasks();
        assertThat(resumed).hasValue(1);
    }

    @Test
    void failuresInARowAreOneLineWithoutAStackTraceNotOneTraceEach() {
        for (int i = 0; i < 100; i++) {
            socket.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
        }

        assertThat(logged.list).singleElement().satisfies(line -> {
            assertThat(line.getFormattedMessage()).contains("primary: accepting on", "Too many open files",
                    "paused 1000 ms");
            assertThat(line.getThrowableProxy()).isNull();
        });
    }
}
