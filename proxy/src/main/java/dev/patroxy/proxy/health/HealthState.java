package dev.patroxy.proxy.health;

import dev.patroxy.stats.CheckResult;
import dev.patroxy.stats.ServerState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The health of one server for one listener, driven by check results (HAProxy's rise/fall), with two
 * departures from HAProxy that matter in front of Patroni:
 * <ul>
 *   <li>Until the first check answers, the server is DOWN, and that first answer decides at once. HAProxy starts
 *       servers UP, which on a primary-only port would send the first clients to replicas.</li>
 *   <li>An HTTP answer with the wrong status is Patroni saying "not in this role now": the server stops taking
 *       sessions at once and is NOLB (healthy, not in this role), neither a check failure nor downtime. Only
 *       failures that say nothing about the role (refused, reset, timed out) count towards {@code fall} and
 *       lead to DOWN.</li>
 * </ul>
 * Not thread-safe: one health-check thread drives it.
 */
public final class HealthState {
    private final int rise;
    private final int fall;
    private final Clock clock;

    private ServerState state = ServerState.DOWN;
    private boolean decided;
    private int progress;
    private Instant lastChange;
    private Instant downSince;
    private Duration downtime = Duration.ZERO;
    private long checkFailures;
    private long checkErrors;
    private long downTransitions;
    private CheckResult lastCheck = CheckResult.NONE;

    public HealthState(int rise, int fall, Clock clock) {
        this.rise = rise;
        this.fall = fall;
        this.clock = clock;
        this.lastChange = clock.instant();
        this.downSince = lastChange;
    }

    /** Applies one check result; returns whether the server started or stopped taking sessions. */
    public Change record(CheckResult result) {
        lastCheck = result;
        if (CheckRegistry.ERROR_STATUS.equals(result.status())) {
            checkErrors++;
        }
        boolean wasUp = state.isUp();
        if (result.passed()) {
            onSuccess();
        } else if (isAuthoritative(result)) {
            moveTo(ServerState.NOLB);
        } else {
            checkFailures++;
            onFailure();
        }
        if (!decided && state == ServerState.DOWN) {
            downSince = clock.instant();
        }
        decided = true;
        boolean isUp = state.isUp();
        if (wasUp == isUp) {
            return Change.NONE;
        }
        return isUp ? Change.WENT_UP : Change.WENT_DOWN;
    }

    private static boolean isAuthoritative(CheckResult result) {
        return "L7STS".equals(result.status());
    }

    private void onSuccess() {
        switch (state) {
            case UP -> progress = 0;
            case GOING_DOWN -> moveTo(ServerState.UP);
            case DOWN, NOLB, GOING_UP -> {
                progress = state == ServerState.GOING_UP ? progress + 1 : 1;
                moveTo(!decided || progress >= rise ? ServerState.UP : ServerState.GOING_UP);
            }
        }
    }

    /** A failure that says nothing about the role: the node may be gone, or it may be a blip. */
    private void onFailure() {
        switch (state) {
            case DOWN -> progress = 0;
            case GOING_UP -> moveTo(ServerState.DOWN);
            case UP, GOING_DOWN -> {
                progress = state == ServerState.UP ? 1 : progress + 1;
                moveTo(progress >= fall ? ServerState.DOWN : ServerState.GOING_DOWN);
            }
            case NOLB -> {
                progress++;
                if (progress >= fall) {
                    moveTo(ServerState.DOWN);
                }
            }
        }
    }

    private void moveTo(ServerState next) {
        if (next != ServerState.GOING_UP && next != ServerState.GOING_DOWN) {
            progress = 0;
        }
        if (next == state) {
            return;
        }
        Instant now = clock.instant();
        if (state.isUp() && !next.isUp()) {
            downTransitions++;
        }
        if (next == ServerState.DOWN) {
            downSince = now;
        } else if (state == ServerState.DOWN && decided) {
            downtime = downtime.plus(Duration.between(downSince, now));
        }
        state = next;
        lastChange = now;
    }

    public ServerState state() {
        return state;
    }

    public boolean isUp() {
        return state.isUp();
    }

    /** Steps taken towards the next state, for HAProxy's "UP 1/3" display. */
    public int progress() {
        return progress;
    }

    /** How many steps the current transition needs. */
    public int progressMax() {
        return state == ServerState.GOING_DOWN || state == ServerState.NOLB ? fall : rise;
    }

    public Instant lastChange() {
        return lastChange;
    }

    /** Time spent DOWN so far, the ongoing spell included. The spell before the first check does not count. */
    public Duration downtime() {
        return snapshot().downtime(clock.instant());
    }

    /** Checks that failed without an answer from Patroni; a "not in this role" answer is not one. */
    public long checkFailures() {
        return checkFailures;
    }

    /** Checks that could not be sent, or whose answer could not be applied: patroxy's errors, not the server's. */
    public long checkErrors() {
        return checkErrors;
    }

    /** Counts an error that happened applying an answer. */
    void countError() {
        checkErrors++;
    }

    /** Transitions from taking sessions to not taking them (to DOWN or NOLB); the initial DOWN is not one. */
    public long downTransitions() {
        return downTransitions;
    }

    public CheckResult lastCheck() {
        return lastCheck;
    }

    /** A state of its own with everything this one knows, for the configuration a reload puts in force. */
    public HealthState copy() {
        HealthState copy = new HealthState(rise, fall, clock);
        copy.state = state;
        copy.decided = decided;
        copy.progress = progress;
        copy.lastChange = lastChange;
        copy.downSince = downSince;
        copy.downtime = downtime;
        copy.checkFailures = checkFailures;
        copy.checkErrors = checkErrors;
        copy.downTransitions = downTransitions;
        copy.lastCheck = lastCheck;
        return copy;
    }

    /** An immutable copy, for readers on other threads. */
    public HealthSnapshot snapshot() {
        Instant countingSince = state == ServerState.DOWN && decided ? downSince : null;
        return new HealthSnapshot(state, progress, progressMax(), lastChange, downtime, countingSince,
                checkFailures, checkErrors, downTransitions, lastCheck);
    }

    /** Whether a result changed whether the server takes new sessions. */
    public enum Change {
        NONE,
        WENT_UP,
        WENT_DOWN
    }
}
