package dev.patroxy.proxy.runtime;

import java.time.Duration;

/**
 * What one runtime API connection has asked for: interactive mode ({@code prompt}) and its own idle timeout
 * ({@code set timeout cli}). Confined to the connection's event loop.
 */
final class CliSession {
    private boolean interactive;
    private Duration timeout;

    CliSession(Duration timeout) {
        this.timeout = timeout;
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
