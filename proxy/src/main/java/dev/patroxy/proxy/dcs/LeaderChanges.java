package dev.patroxy.proxy.dcs;

import java.util.Objects;

/**
 * Passes on only what differs from the last thing passed on, so that a listener hears each change once. A change
 * counts as passed on only once the listener has returned: one that threw hears it again.
 */
final class LeaderChanges implements LeaderListener {
    private enum Known { NOTHING, LEADER, NO_LEADER, UNREACHABLE }

    private final LeaderListener listener;
    private Known known = Known.NOTHING;
    private String leader;
    /** Read by the stats from their own thread. */
    private volatile String passedOn = "nothing yet";

    LeaderChanges(LeaderListener listener) {
        this.listener = listener;
    }

    /** What was last passed on, as a person reads it. */
    String passedOn() {
        return passedOn;
    }

    @Override
    public void leaderIs(String member, long index) {
        if (known != Known.LEADER || !Objects.equals(leader, member)) {
            listener.leaderIs(member, index);
            known = Known.LEADER;
            leader = member;
            passedOn = member;
        }
    }

    @Override
    public void noLeader(long index) {
        if (known != Known.NO_LEADER) {
            listener.noLeader(index);
            known = Known.NO_LEADER;
            leader = null;
            passedOn = "no leader";
        }
    }

    @Override
    public void unreachable(String reason) {
        if (known != Known.UNREACHABLE) {
            listener.unreachable(reason);
            known = Known.UNREACHABLE;
            leader = null;
            passedOn = "unreachable";
        }
    }
}
