package dev.patroxy.proxy;

import dev.patroxy.config.ConfigException;
import dev.patroxy.config.ConfigLoader;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Reads the configuration file again on SIGHUP ({@code systemctl reload patroxy}) and puts it in force. A file that
 * does not load (its error names file, line and key) or a configuration that cannot start leaves the one in force
 * untouched; the stats page and {@code patroxy_config_last_reload_successful} say so.
 */
final class ConfigReloader {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path file;
    private final ProxyDaemon daemon;
    private final SystemdNotify systemd;

    /** @param systemd told when a reload starts and when it is over, whether it took effect or not */
    ConfigReloader(Path file, ProxyDaemon daemon, SystemdNotify systemd) {
        this.file = file;
        this.daemon = daemon;
        this.systemd = systemd;
    }

    /** Reloads on every SIGHUP from now on; the JVM runs each on a thread of its own, one at a time here. */
    void reloadOnHangup() {
        Signal.handle(new Signal("HUP"), signal -> reload());
    }

    /** Reads the file and puts it in force; returns whether it took effect. */
    synchronized boolean reload() {
        log.info("reloading {}", file);
        systemd.reloading("reloading " + file);
        String refusal;
        try {
            daemon.reload(ConfigLoader.load(file));
            systemd.ready("serving " + file + ", reloaded: listeners " + String.join(", ", daemon.listenerNames()));
            return true;
        } catch (ConfigException e) {
            refusal = e.getMessage();
        } catch (RuntimeException | Error e) {
            // The signal's thread would die with it, and the stats must not say the last reload succeeded.
            log.debug("reload failed", e);
            refusal = e.getMessage() != null ? e.getMessage() : e.toString();
        }
        daemon.refused(refusal);
        systemd.ready("reload refused, the configuration in force stays: " + refusal);
        return false;
    }
}
