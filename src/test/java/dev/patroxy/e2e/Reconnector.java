package dev.patroxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.e2e.Cluster.Landing;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Opens a new session every 50 ms until stopped, as an application reconnecting through a switchover would, and
 * records what each attempt met.
 */
final class Reconnector implements AutoCloseable {
    /** One attempt: a new session, asked where it landed. */
    @FunctionalInterface
    interface Attempt {
        Landing land() throws SQLException;
    }

    final List<Landing> landings = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    /** The longest an attempt that got through took, connection and query: a held client's wait. */
    volatile long longestSuccessMillis;
    private final Attempt attempt;
    private volatile boolean stopped;
    private final Thread thread = new Thread(this::run, "reconnector");

    Reconnector(Attempt attempt) {
        this.attempt = attempt;
        thread.start();
    }

    private void run() {
        while (!stopped) {
            long start = System.nanoTime();
            try {
                landings.add(attempt.land());
                longestSuccessMillis = Math.max(longestSuccessMillis, (System.nanoTime() - start) / 1_000_000);
            } catch (SQLException e) {
                failures.add(e.getSQLState() + " " + e.getMessage());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    long landedOn(String node) {
        return landings.stream().filter(l -> l.node().equals(node)).count();
    }

    /**
     * The new-session client of a failover: none of its sessions reached a node in recovery, and at least one waited
     * out the gap (held) and got through. Attempts under way on the old primary when it went may fail: those are
     * listed in the message.
     */
    void assertNoSessionInRecoveryAndHeldClientsGotThrough(String scenario) {
        System.out.printf("%s: %d sessions through 5000, %d in recovery, longest successful attempt %d ms,"
                + " failed attempts %s%n", scenario, landings.size(), landings.stream().filter(Landing::inRecovery)
                .count(), longestSuccessMillis, failures);
        assertThat(landings).as("%s: no session through 5000 lands on a node in recovery", scenario)
                .noneMatch(Landing::inRecovery);
        assertThat(longestSuccessMillis)
                .as("%s: a client held through the gap got through (failed attempts: %s)", scenario, failures)
                .isGreaterThan(1000);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(60_000);
    }
}
