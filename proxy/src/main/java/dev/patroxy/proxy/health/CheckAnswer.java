package dev.patroxy.proxy.health;

import dev.patroxy.stats.CheckResult;

/**
 * One health check's result plus what Patroni reported in the body, when the check was a GET.
 *
 * @param reportedRole {@code primary}, {@code replica}, ... or null when the answer carried none
 * @param timeline PostgreSQL's timeline as Patroni reported it, or 0 when the answer carried none
 * @param failsafeActive whether the body said {@code "failsafe_mode_is_active": true}: Patroni's failsafe mode keeps
 *     the cluster running while the DCS is out of reach (false for an answer without a body)
 */
public record CheckAnswer(CheckResult result, String reportedRole, long timeline, boolean failsafeActive) {
    /** An answer whose body, if any, said nothing of failsafe mode. */
    public CheckAnswer(CheckResult result, String reportedRole, long timeline) {
        this(result, reportedRole, timeline, false);
    }
}
