package dev.patroxy.proxy.routing;

import java.util.List;
import java.util.function.Predicate;

/**
 * Who has a primary listener's port while the DCS leader key is known to be absent. Patroni's failsafe mode
 * ({@code failsafe_mode: true}) keeps a primary that lost the DCS running as long as it reaches every other member;
 * its leader key then expires while PostgreSQL goes on taking writes, and its Patroni answers the primary check with
 * 200 and {@code "failsafe_mode_is_active": true}. Without this, a vanished key meant no primary: every new client held
 * and the primary's sessions cut while it was serving.
 *
 * <p>A server claims the port when it is UP and the latest answer its Patroni gave said failsafe mode is active. Only
 * Patroni's word counts, and only its latest: a 503, a 200 without the flag or an answer without a body (OPTIONS,
 * HEAD) ends the claim at once. A check Patroni did not answer (refused, timed out) says nothing either way: it counts
 * towards {@code fall} as always, and the server keeps its claim only while it is still UP. The opposite risk is two claimants, which Patroni's failsafe rules out (a member that holds
 * the leader role refuses the primary's failsafe call, and the primary then demotes itself) but answers of different
 * ages can show for a moment:
 * <ul>
 *   <li>the current primary keeps the port while it claims it, whoever else claims too: it is the server the key
 *       named before it vanished, the one Patroni's failsafe keeps, and its clients stay where their writes went;</li>
 *   <li>with no current primary, a single claimant takes the port, and two or more take nothing: there is no telling
 *       which of them is the stale one, and a port spread over both would split writes. Clients are held until one
 *       stops claiming or the key is back.</li>
 * </ul>
 */
final class FailsafePrimary {
    private FailsafePrimary() {
    }

    /**
     * The primary after a refresh with the key absent: {@code before} (empty or the current primary) if it claims,
     * else the one claimant of {@code servers}, else nobody.
     */
    static List<Backend> after(List<Backend> before, List<Backend> servers, Predicate<Backend> claims) {
        if (!before.isEmpty() && claims.test(before.get(0))) {
            return before;
        }
        List<Backend> claimants = servers.stream().filter(claims).toList();
        return claimants.size() == 1 ? claimants : List.of();
    }
}
