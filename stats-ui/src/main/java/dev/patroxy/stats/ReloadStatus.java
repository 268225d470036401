package dev.patroxy.stats;

import java.time.Instant;

/**
 * The configuration in force and what became of the reloads asked for since start.
 *
 * @param loadedAt when the configuration in force took effect (the start, or the latest reload that did)
 * @param succeeded reloads that took effect
 * @param failed reloads refused: the configuration in force stayed
 * @param lastFailure why the latest reload was refused (file, line and key for a bad file), or null when the latest
 *     reload took effect or none was asked for
 * @param lastFailureAt when that reload was refused, or null
 * @param drainingSessions sessions still open under configurations that reloads replaced
 */
public record ReloadStatus(Instant loadedAt, long succeeded, long failed, String lastFailure, Instant lastFailureAt,
        long drainingSessions) {
    public static ReloadStatus startedAt(Instant at) {
        return new ReloadStatus(at, 0, 0, null, null, 0);
    }

    /** Whether the latest reload took effect (true before any). */
    public boolean lastSucceeded() {
        return lastFailure == null;
    }
}
