package dev.patroxy.proxy;

import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.proxy.relay.Transport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The daemon as a service: started, then reported ready to systemd once every listener is bound and the first check
 * of every server has concluded, so that units ordered after patroxy start against a proxy that routes; a reload on
 * SIGHUP is announced before and after; the stop is announced first. Outside systemd the notifications do nothing.
 */
final class Service implements AutoCloseable {
    /**
     * The longest the start waits for the first checks, well inside systemd's default {@code TimeoutStartSec} (90 s);
     * a first check concludes much sooner unless its interval is very long (it may take the longer of 5 s and
     * {@code inter}).
     */
    static final Duration FIRST_CHECKS_WAIT = Duration.ofSeconds(30);

    private final ProxyDaemon daemon;
    private final SystemdNotify systemd;
    private final ConfigReloader reloader;

    private Service(ProxyDaemon daemon, SystemdNotify systemd, ConfigReloader reloader) {
        this.daemon = daemon;
        this.systemd = systemd;
        this.reloader = reloader;
    }

    /**
     * Starts the daemon on {@code config}, read from {@code file}, and tells {@code systemd} it is ready once its first
     * checks have concluded or {@code firstChecksWait} has passed (the status then names the servers still waiting).
     * A start that fails throws, and nothing is left running.
     */
    static Service start(Path file, PatroxyConfig config, SystemdNotify systemd, Duration firstChecksWait) {
        ProxyDaemon daemon = new ProxyDaemon(config, Clock.systemUTC(), Transport.of(config.global())).start();
        try {
            List<String> waiting = daemon.awaitFirstChecks(firstChecksWait);
            String serving = "serving " + file + ": listeners " + String.join(", ", daemon.listenerNames());
            systemd.ready(waiting.isEmpty() ? serving + ", every server checked"
                    : serving + "; still waiting for the first check of " + String.join(", ", waiting));
            return new Service(daemon, systemd, new ConfigReloader(file, daemon, systemd));
        } catch (RuntimeException e) {
            daemon.close();
            throw e;
        }
    }

    /** Reloads the file on every SIGHUP from now on. */
    void reloadOnHangup() {
        reloader.reloadOnHangup();
    }

    /** Reads the file again and puts it in force, as SIGHUP does; returns whether it took effect. */
    boolean reload() {
        return reloader.reload();
    }

    @Override
    public void close() {
        systemd.stopping("stopping");
        daemon.close();
        systemd.close();
    }
}
