package dev.patroxy.proxy;

import dev.patroxy.config.ConfigException;
import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.proxy.dcs.DcsNameCheck;
import io.netty.util.ResourceLeakDetector;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;

/** {@code patroxy --config FILE [--check]} and {@code patroxy --version}; SIGHUP reloads FILE. */
public final class Main {
    static final int FAILED = 1;
    static final int BAD_CONFIG = 2;
    static final int USAGE = 64;
    /** How long {@code --check} waits for each DCS host. */
    private static final Duration MEMBER_CHECK_TIMEOUT = Duration.ofSeconds(2);

    private static final String USAGE_TEXT = """
            usage: patroxy --config FILE         run the proxy
                   patroxy --config FILE --check validate FILE and exit (0 valid, 2 invalid); with a dcs
                                                 section, also warn of member names Patroni does not have
                   patroxy --version             print the version""";

    private Main() {
    }

    /** Netty's own switch; unset, patroxy turns leak tracking off (its sampling allocates on every read). */
    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        if (System.getProperty(LEAK_DETECTION) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        Invocation invocation = Invocation.parse(args);
        if (invocation == null) {
            System.err.println(USAGE_TEXT);
            System.exit(USAGE);
        }
        if (invocation.version()) {
            System.out.println("patroxy " + Version.current());
            return;
        }
        if (invocation.checkOnly()) {
            System.exit(check(invocation.config(), System.out, System.err));
        }
        PatroxyConfig config = load(invocation.config(), System.err);
        if (config == null) {
            System.exit(BAD_CONFIG);
        }
        run(invocation.config(), config);
    }

    /** {@code --check}: 0 and a summary on {@code out} for a valid file; else one line on {@code err} and 2. */
    static int check(Path file, PrintStream out, PrintStream err) {
        PatroxyConfig config = load(file, err);
        if (config == null) {
            return BAD_CONFIG;
        }
        out.println(file + ": valid (" + config.listeners().size() + " listeners, " + config.servers().size()
                + " servers)");
        checkMemberNames(file, config, out);
        return 0;
    }

    /**
     * With a DCS, says which servers' member names Patroni does not have, or that it could not tell: a warning, not
     * an error, since the DCS may just be unreachable from where the file is checked.
     */
    private static void checkMemberNames(Path file, PatroxyConfig config, PrintStream out) {
        if (config.dcs().isEmpty()) {
            return;
        }
        OkHttpClient http = new OkHttpClient();
        try {
            for (String warning : DcsNameCheck.warnings(config, http, MEMBER_CHECK_TIMEOUT)) {
                out.println(file + (warning.startsWith("could not") ? ": " : ": warning: ") + warning);
            }
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    /** The configuration in {@code file}, or null after telling {@code err} what is wrong with it. */
    static PatroxyConfig load(Path file, PrintStream err) {
        try {
            return ConfigLoader.load(file);
        } catch (ConfigException e) {
            err.println("patroxy: " + e.getMessage());
            return null;
        }
    }

    private static void run(Path file, PatroxyConfig config) {
        SystemdNotify systemd = SystemdNotify.fromEnvironment();
        Service service;
        try {
            service = Service.start(file, config, systemd, Service.FIRST_CHECKS_WAIT);
        } catch (RuntimeException e) {
            System.err.println("patroxy: " + e.getMessage());
            LogSetup.flushAndStop();
            System.exit(FAILED);
            return;
        }
        // Netty's event loop threads keep the JVM alive until SIGTERM/SIGINT runs this hook; the lines logged while
        // closing are written out before the JVM goes.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            LogSetup.flushAndStop();
        }, "patroxy-shutdown"));
        service.reloadOnHangup();
    }

    /** The parsed command line; null from {@link #parse} means it made no sense. */
    record Invocation(Path config, boolean checkOnly, boolean version) {
        static Invocation parse(String[] args) {
            Path config = null;
            boolean check = false;
            boolean version = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--config", "-c" -> {
                        if (i + 1 >= args.length) {
                            return null;
                        }
                        config = Path.of(args[++i]);
                    }
                    case "--check" -> check = true;
                    case "--version", "-v" -> version = true;
                    default -> {
                        return null;
                    }
                }
            }
            if (version) {
                return new Invocation(config, check, true);
            }
            return config == null ? null : new Invocation(config, check, false);
        }
    }
}
