package dev.patroxy.stats;

/**
 * Client-side counters of one listener.
 *
 * @param bytesIn bytes received from clients
 * @param bytesOut bytes sent to clients
 * @param refused clients turned away because no server could take them
 * @param sessionLimit the listener's {@code maxconn}, 0 for none
 * @param held clients waiting now because no server takes sessions (a switchover or failover in flight)
 * @param maxHeld the most clients held at once
 * @param heldReleased held clients let go to a server since start
 * @param holdTimeouts held clients turned away because their hold ran out
 * @param startupTimeouts clients closed because they did not finish their startup within
 *     {@code timeout client-startup}
 * @param firstPacketRejections clients closed before their first packet was read whole: silent or slow past
 *     {@code timeout client-hello}, gone before it was whole, not a PostgreSQL client, or past the proxy's bound on
 *     clients in their first packet
 * @param switchoverPaused whether new clients are held now because Patroni was asked for a switchover
 * @param switchoverPauses how many times new clients were held for a switchover since start
 * @param disabled whether an operator disabled the listener ({@code disable frontend}): new clients are held
 */
public record FrontendStats(
        long currentSessions,
        long maxSessions,
        long totalSessions,
        long bytesIn,
        long bytesOut,
        long refused,
        int sessionLimit,
        long held,
        long maxHeld,
        long heldReleased,
        long holdTimeouts,
        long startupTimeouts,
        long firstPacketRejections,
        boolean switchoverPaused,
        long switchoverPauses,
        boolean disabled) {

    /** HAProxy 2.6's frontend status: {@code PAUSED} once disabled from the runtime API, {@code OPEN} otherwise. */
    public String statusText() {
        return disabled ? "PAUSED" : "OPEN";
    }
}
