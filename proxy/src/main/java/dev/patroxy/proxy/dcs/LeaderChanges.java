package dev.patroxy.proxy.dcs;

import java.util.Objects;

/** Passes on only what differs from the last thing passed on, so that a listener hears each change once. */
final class LeaderChanges implements LeaderListener {
    private enum Known { NOTHING, LEADER, NO_LEADER, UNREACHABLE }

    private final LeaderListener listener;
    private Known known = Known.NOTHING;
    private String leader;

    LeaderChanges(LeaderListener listener) {
        this.listener = listener;
    }

    @Override
    public void leaderIs(String member, long index) {
        if (known != Known.LEADER || !Objects.equals(leader, member)) {
            known = Known.LEADER;
            leader = member;
            listener.leaderIs(member, index);
        }
    }

    @Override
    public void noLeader(long index) {
        if (known != Known.NO_LEADER) {
            known = Known.NO_LEADER;
            leader = null;
            listener.noLeader(index);
        }
    }

    @Override
    public void unreachable(String reason) {
        if (known != Known.UNREACHABLE) {
            known = Known.UNREACHABLE;
            leader = null;
            listener.unreachable(reason);
        }
    }
}
