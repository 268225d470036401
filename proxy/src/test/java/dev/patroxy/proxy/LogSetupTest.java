package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
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
        assertThat(((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("ROOT").getAppender("STDOUT"))
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
        assertThat(context.getLogger("ROOT").getAppender("STDOUT")).isNull();
    }
}
