package dev.patroxy.proxy.health;

import java.util.function.Consumer;

/** One health check request to one target; {@link PatroniCheck} sends it over HTTP. */
public interface Probe {
    /** Sends the check; {@code done} gets the answer once, on any thread. */
    void run(Consumer<CheckAnswer> done);
}
