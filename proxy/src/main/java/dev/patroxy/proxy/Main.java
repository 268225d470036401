package dev.patroxy.proxy;

import dev.patroxy.config.ConfigException;
import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.proxy.dcs.DcsNameCheck;
import io.netty.util.ResourceLeakDetector;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import okhttp3.OkHttpClient;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/** {@code patroxy -f FILE}, {@code -c}, {@code -v}, {@code import-haproxy}: see {@link PatroxyCommand}. */
public final class Main {
    static final int FAILED = 1;
    static final int BAD_CONFIG = 2;
    static final int USAGE = 64;
    /** How long {@code --check} waits for each DCS host. */
    private static final Duration MEMBER_CHECK_TIMEOUT = Duration.ofSeconds(2);

    private Main() {
    }

    /** Netty's own switch; unset, patroxy turns leak tracking off (its sampling allocates on every read). */
    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        if (System.getProperty(LEAK_DETECTION) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        PatroxyCommand command = new PatroxyCommand();
        OptionalInt exit = execute(command, args, System.out, System.err);
        if (exit.isPresent()) {
            System.exit(exit.getAsInt());
        }
        PatroxyConfig config = load(command.config, System.err);
        if (config == null) {
            System.exit(BAD_CONFIG);
        }
        run(command.config, config, PidFile.at(command.pidFile));
    }

    /**
     * Reads {@code args} into {@code command} and does whatever ends at once (help, version, check, import-haproxy,
     * a usage error), giving its exit code; empty: the proxy is to run with {@code command.config}.
     */
    static OptionalInt execute(PatroxyCommand command, String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(command)
                .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        ParseResult parsed;
        try {
            parsed = cli.parseArgs(args);
        } catch (UnmatchedArgumentException e) {
            return usage(err, e.getMessage() + " (the configuration file goes after -f)");
        } catch (ParameterException e) {
            return usage(err, e.getMessage());
        }
        if (CommandLine.printHelpIfRequested(parsed)) {
            return OptionalInt.of(0);
        }
        if (parsed.hasSubcommand()) {
            ImportHaproxyCommand importer = parsed.subcommand().commandSpec().commandLine().getCommand();
            return OptionalInt.of(importer.run(out, err));
        }
        if (command.version.length > 0) {
            out.print(command.version.length == 1 ? VersionReport.line() + "\n" : VersionReport.details());
            return OptionalInt.of(0);
        }
        if (command.config == null) {
            return usage(err, args.length == 0 ? "no configuration file" : "-f FILE is missing");
        }
        if (command.check) {
            return OptionalInt.of(check(command.config, out, err));
        }
        return OptionalInt.empty();
    }

    private static OptionalInt usage(PrintStream err, String problem) {
        err.println("patroxy: " + problem + "; try patroxy --help");
        return OptionalInt.of(USAGE);
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

    private static void run(Path file, PatroxyConfig config, PidFile pidFile) {
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
            pidFile.remove();
            LogSetup.flushAndStop();
        }, "patroxy-shutdown"));
        if (!pidFile.write(System.err)) {
            System.exit(FAILED);
        }
        service.reloadOnHangup();
    }
}
