package dev.patroxy.proxy.runtime;

import dev.patroxy.config.AdminLevel;
import java.time.Duration;

/**
 * What one runtime API connection may do (the level of the socket it came through) and has asked for: interactive
 * mode ({@code prompt}) and its own idle timeout ({@code set timeout cli}). Confined to the connection's event loop.
 */
final class CliSession {
    private final AdminLevel level;
    private boolean interactive;
    private Duration timeout;

    CliSession(Duration timeout, AdminLevel level) {
        this.timeout = timeout;
        this.level = level;
    }

    AdminLevel level() {
        return level;
    }

    boolean interactive() {
        return interactive;
    }

    void toggleInteractive() {
        interactive = !interactive;
    }

    Duration timeout() {
        return timeout;
    }

    void timeout(Duration timeout) {
        this.timeout = timeout;
    }
}
