package dev.patroxy.stats;

/**
 * Client-side counters of one listener.
 *
 * @param bytesIn bytes received from clients
 * @param bytesOut bytes sent to clients
 * @param refused clients turned away because no server could take them
 * @param sessionLimit the listener's {@code maxconn}, 0 for none
 */
public record FrontendStats(
        long currentSessions,
        long maxSessions,
        long totalSessions,
        long bytesIn,
        long bytesOut,
        long refused,
        int sessionLimit) {
}
