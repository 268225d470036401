package dev.patroxy.proxy;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * patroxy's logging, set up in code: reading a logback.xml cost about a sixth of the start time. Lines go to standard
 * output; {@code PATROXY_LOG_LEVEL} (a system property or an environment variable, INFO by default) sets the level.
 * Logback finds this class through {@code META-INF/services}; a file named by {@code -Dlogback.configurationFile}
 * still takes over.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String LEVEL_VARIABLE = "PATROXY_LOG_LEVEL";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LogLine layout = new LogLine();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel());
        root.addAppender(stdout);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("okhttp3").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** As logback.xml's {@code ${PATROXY_LOG_LEVEL:-INFO}} read it: a system property first, then the environment. */
    static Level rootLevel() {
        String name = System.getProperty(LEVEL_VARIABLE, System.getenv(LEVEL_VARIABLE));
        return name == null ? Level.INFO : Level.toLevel(name);
    }

    /**
     * The lines of the pattern {@value #PATTERN}, with the stack trace logback adds to it, written out: compiling a
     * pattern loads all of logback's converters, a good part of its start-up time.
     */
    static final class LogLine extends LayoutBase<ILoggingEvent> {
        static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n";
        private static final DateTimeFormatter TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneId.systemDefault());

        private final ThrowableProxyConverter stackTrace = new ThrowableProxyConverter();

        @Override
        public void start() {
            stackTrace.setContext(getContext());
            stackTrace.start();
            super.start();
        }

        @Override
        public String doLayout(ILoggingEvent event) {
            StringBuilder line = new StringBuilder(128);
            TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()), line);
            String level = event.getLevel().toString();
            line.append(' ').append(level);
            for (int i = level.length(); i < 5; i++) {
                line.append(' ');
            }
            String logger = event.getLoggerName();
            line.append(' ').append(logger, logger.lastIndexOf('.') + 1, logger.length())
                    .append(": ").append(event.getFormattedMessage()).append(System.lineSeparator())
                    .append(stackTrace.convert(event));
            return line.toString();
        }
    }
}
