package dev.patroxy.stats;

import java.time.Duration;
import java.time.Instant;

/**
 * The server taking a primary listener's new sessions changed.
 *
 * @param from the server that had them, or null for none
 * @param to the server that has them now, or null for none (clients are held meanwhile)
 * @param why what patroxy saw: a check's answer or the DCS leader key
 * @param detection from the first sign of the change (the key changing, or the old primary's check failing) to
 *     this routing decision; null when there was no earlier sign (the first primary after start)
 */
public record RoleChange(Instant at, String from, String to, String why, Duration detection) {
}
