package dev.patroxy.proxy;

import ch.qos.logback.classic.AsyncAppender;
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
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * patroxy's logging, set up in code: reading a logback.xml cost about a sixth of the start time. Lines go to standard
 * output; {@code PATROXY_LOG_LEVEL} (a system property or an environment variable, INFO by default) sets the level.
 * Logback finds this class through {@code META-INF/services}; a file named by {@code -Dlogback.configurationFile}
 * still takes over.
 *
 * <p>Lines are written by a thread of their own from a bounded queue: an event loop that logs never waits for a
 * slow or blocked standard output (a full pipe, a stalled journald). When the queue is full lines are dropped, and
 * counted: INFO and below once it is {@value #KEEP_FOR_WARNINGS_PERCENT}% from full, WARN and ERROR only when it is
 * full.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String LEVEL_VARIABLE = "PATROXY_LOG_LEVEL";
    /** The appender on the root logger, the queue in front of standard output. */
    static final String APPENDER = "STDOUT";
    /** Lines the queue holds: several seconds of session lines at thousands of sessions a second. */
    static final int QUEUE_LINES = 8192;
    /** The part of the queue only WARN and ERROR lines may take. */
    static final int KEEP_FOR_WARNINGS_PERCENT = 20;
    /** How long stopping waits for queued lines to be written. */
    static final Duration FLUSH_AT_MOST = Duration.ofSeconds(2);

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
        stdout.setName("CONSOLE");
        stdout.setEncoder(encoder);
        stdout.start();
        LineQueue queue = new LineQueue();
        queue.setContext(context);
        queue.setName(APPENDER);
        queue.setQueueSize(QUEUE_LINES);
        queue.setDiscardingThreshold(QUEUE_LINES * KEEP_FOR_WARNINGS_PERCENT / 100);
        queue.setNeverBlock(true);
        queue.setMaxFlushTime((int) FLUSH_AT_MOST.toMillis());
        queue.addAppender(stdout);
        queue.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel());
        root.addAppender(queue);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("okhttp3").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Lines dropped because the queue in front of standard output was full; 0 under a logback.xml of the user's. */
    public static long droppedLines() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext context ? droppedLines(context) : 0;
    }

    static long droppedLines(LoggerContext context) {
        return context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER) instanceof LineQueue queue
                ? queue.dropped()
                : 0;
    }

    /**
     * Writes out the lines still queued, waiting at most {@link #FLUSH_AT_MOST} for a blocked standard output, and
     * stops logging: the last thing before the process exits.
     */
    public static void flushAndStop() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }

    /**
     * Logback's queue, counting what it drops. Its own discarding rule drops INFO and below once the queue is nearly
     * full; this also drops, rather than leaves uncounted, a WARN or ERROR that finds it full.
     */
    static final class LineQueue extends AsyncAppender {
        private final AtomicLong dropped = new AtomicLong();

        @Override
        protected boolean isDiscardable(ILoggingEvent event) {
            boolean discard = super.isDiscardable(event) || getRemainingCapacity() == 0;
            if (discard) {
                dropped.incrementAndGet();
            }
            return discard;
        }

        long dropped() {
            return dropped.get();
        }
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
