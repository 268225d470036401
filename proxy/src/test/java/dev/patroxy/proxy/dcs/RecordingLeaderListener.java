package dev.patroxy.proxy.dcs;

import dev.patroxy.proxy.routing.SwitchoverRequest;
import java.time.Instant;
import java.util.List;

/** Writes down each thing it hears: "leader pg01", "no leader", "unreachable", "switchover ...". */
final class RecordingLeaderListener implements LeaderListener {
    private final List<String> heard;

    RecordingLeaderListener(List<String> heard) {
        this.heard = heard;
    }

    @Override
    public void leaderIs(String member, long index) {
        heard.add("leader " + member);
    }

    @Override
    public void noLeader(long index) {
        heard.add("no leader");
    }

    @Override
    public void unreachable(String reason) {
        heard.add("unreachable");
    }

    @Override
    public void switchoverIs(SwitchoverRequest request, Instant heardAt) {
        heard.add("switchover " + request);
    }
}
