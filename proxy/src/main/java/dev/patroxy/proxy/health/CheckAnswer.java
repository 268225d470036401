package dev.patroxy.proxy.health;

import dev.patroxy.stats.CheckResult;

/**
 * One health check's result plus the role and timeline Patroni reported in the body, when the check was a GET.
 *
 * @param reportedRole {@code primary}, {@code replica}, ... or null when the answer carried none
 * @param timeline PostgreSQL's timeline as Patroni reported it, or 0 when the answer carried none
 */
public record CheckAnswer(CheckResult result, String reportedRole, long timeline) {
}
