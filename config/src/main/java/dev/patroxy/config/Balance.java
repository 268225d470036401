package dev.patroxy.config;

/** How a listener picks the server for a new session. */
public enum Balance {
    /** Exactly one server takes new sessions: the primary. Never spread across two. */
    PRIMARY("primary"),
    /** Every UP server in turn (replicas). */
    ROUNDROBIN("roundrobin");

    private final String configName;

    Balance(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }
}
