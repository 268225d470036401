package dev.patroxy.config;

import java.util.Locale;

/**
 * What a runtime API connection may do, HAProxy's {@code level} of a stats socket: {@code user} reads, {@code
 * operator} also lists sessions, {@code admin} also changes state.
 */
public enum AdminLevel {
    USER,
    OPERATOR,
    ADMIN;

    /** The word in the configuration file. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a connection at this level may do what {@code needed} allows. */
    public boolean allows(AdminLevel needed) {
        return compareTo(needed) >= 0;
    }
}
