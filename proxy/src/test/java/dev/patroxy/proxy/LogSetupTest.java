package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogSetupTest {
    private final PrintStream stdout = System.out;

    @AfterEach
    void restore() {
        System.setOut(stdout);
        System.clearProperty(LogSetup.LEVEL_VARIABLE);
        System.clearProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
    }

    private static LoggerContext configured() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        LogSetup setup = new LogSetup();
        setup.setContext(context);
        assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        return context;
    }

    @Test
    void logbackFindsItAsAService() {
        assertThat(((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("ROOT").getAppender(LogSetup.APPENDER))
                .isNotNull();
    }

    @Test
    void writesTheLinesLogbackXmlDidToStandardOutput() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        LoggerContext context = configured();

        context.getLogger("dev.patroxy.proxy.ProxyDaemon").info("listener {} on {}", "batman", "[*:5000]");
        context.getLogger("patroxy.tcplog").info("127.0.0.1:50123 [25/Nov/2026:19:47:18.123] primary primary/pg01");
        context.getLogger("io.netty.channel.DefaultChannelPipeline").info("not shown below WARN");
        context.getLogger("okhttp3.OkHttpClient").info("not shown below WARN");
        context.getLogger("dev.patroxy.proxy.ProxyDaemon").debug("not shown below INFO");
        context.stop();

        assertThat(out.toString(StandardCharsets.UTF_8).split("\n")).satisfiesExactly(
                line -> assertThat(line).matches(
                        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  ProxyDaemon: "
                                + "listener batman on \\[\\*:5000]"),
                line -> assertThat(line).endsWith(
                        " INFO  tcplog: 127.0.0.1:50123 [25/Nov/2026:19:47:18.123] primary primary/pg01"));
    }

    @Test
    void itsLinesAreThoseOfLogbackXmlsPatternStackTracesIncluded() {
        LoggerContext context = new LoggerContext();
        PatternLayout pattern = new PatternLayout();
        pattern.setContext(context);
        pattern.setPattern(LogSetup.LogLine.PATTERN);
        pattern.start();
        LogSetup.LogLine written = new LogSetup.LogLine();
        written.setContext(context);
        written.start();
        IllegalStateException failure = new IllegalStateException("cannot bind",
                new java.net.BindException("Address already in use"));
        failure.addSuppressed(new RuntimeException("also this"));

        for (Level level : List.of(Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE)) {
            for (Throwable thrown : Arrays.asList(null, failure)) {
                LoggingEvent event = new LoggingEvent(Main.class.getName(), context.getLogger(Main.class), level,
                        "patroxy: {} on {}", thrown, new Object[] {"listener", 5000});
                assertThat(written.doLayout(event)).isEqualTo(pattern.doLayout(event));
            }
        }
        assertThat(written.doLayout(new LoggingEvent("patroxy.tcplog", context.getLogger("patroxy.tcplog"),
                Level.INFO, "a session", null, null))).endsWith(" INFO  tcplog: a session" + System.lineSeparator());
    }

    @Test
    void patroxyLogLevelSetsTheLevel() {
        System.setProperty(LogSetup.LEVEL_VARIABLE, "DEBUG");

        assertThat(configured().getLogger("ROOT").getLevel()).isEqualTo(Level.DEBUG);
    }

    @Test
    void aLogbackConfigurationFileTakesOver() {
        System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, "/etc/patroxy/logback.xml");
        LoggerContext context = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(context);

        assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger("ROOT").getAppender(LogSetup.APPENDER)).isNull();
    }

    /** A standard output nobody reads: every write waits until the test lets it through. */
    private static final class BlockedOutput extends OutputStream {
        private final CountDownLatch released = new CountDownLatch(1);
        private final ByteArrayOutputStream written = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            // As a write to a full pipe: an interrupt does not end it.
            boolean interrupted = false;
            while (released.getCount() > 0) {
                try {
                    released.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            synchronized (written) {
                written.write(bytes, offset, length);
            }
        }

        String written() {
            synchronized (written) {
                return written.toString(StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void aBlockedStandardOutputDoesNotHoldUpTheThreadThatLogsAndWhatItDropsIsCounted() {
        BlockedOutput blocked = new BlockedOutput();
        System.setOut(new PrintStream(blocked, true, StandardCharsets.UTF_8));
        LoggerContext context = configured();
        Appender<ILoggingEvent> console = console(context);
        int lines = 3 * LogSetup.QUEUE_LINES;
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (int i = 0; i < lines; i++) {
                    context.getLogger("patroxy.tcplog").info("session {}", i);
                }
                context.getLogger("dev.patroxy.proxy.health.HealthMonitor").warn("pg01 is DOWN");
            });

            // What got in: a full queue, and the batch the writing thread took from it before it blocked.
            assertThat(LogSetup.droppedLines(context)).isGreaterThanOrEqualTo(lines - 2L * LogSetup.QUEUE_LINES);
            assertTimeoutPreemptively(Duration.ofSeconds(10), context::stop, "stopping waits a bounded time");
        } finally {
            blocked.released.countDown();
            awaitQueueWrittenOut(console);
        }
    }

    private static Appender<ILoggingEvent> console(LoggerContext context) {
        return ((LogSetup.LineQueue) context.getLogger("ROOT").getAppender(LogSetup.APPENDER)).getAppender("CONSOLE");
    }

    /** A stop that gave up waiting leaves the writing thread to finish: it must not write into the next test. */
    private static void awaitQueueWrittenOut(Appender<ILoggingEvent> console) {
        await().atMost(Duration.ofSeconds(30)).until(() -> !console.isStarted());
    }

    @Test
    void aWarningFindsRoomWhenInfoLinesFillTheQueue() {
        BlockedOutput blocked = new BlockedOutput();
        System.setOut(new PrintStream(blocked, true, StandardCharsets.UTF_8));
        LoggerContext context = configured();
        Appender<ILoggingEvent> console = console(context);
        for (int i = 0; i < 2 * LogSetup.QUEUE_LINES; i++) {
            context.getLogger("patroxy.tcplog").info("session {}", i);
        }
        context.getLogger("dev.patroxy.proxy.health.HealthMonitor").warn("pg01 is DOWN");
        blocked.released.countDown();
        context.stop();
        awaitQueueWrittenOut(console);

        assertThat(blocked.written()).contains(" WARN  HealthMonitor: pg01 is DOWN");
    }

    @Test
    void stoppingWritesOutTheLinesStillQueued() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        LoggerContext context = configured();
        for (int i = 0; i < 1000; i++) {
            context.getLogger("patroxy.tcplog").info("session {}", i);
        }

        context.stop();

        assertThat(out.toString(StandardCharsets.UTF_8).lines()).hasSize(1000).last().asString()
                .endsWith("tcplog: session 999");
        assertThat(LogSetup.droppedLines(context)).isZero();
    }
}
