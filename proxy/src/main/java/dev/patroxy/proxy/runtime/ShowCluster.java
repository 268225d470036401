package dev.patroxy.proxy.runtime;

import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.stats.DcsStatus;
import dev.patroxy.stats.StatsSnapshot;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code show cluster}, patroxy's own: the Patroni cluster as patroxy knows it from its checks and the DCS, a few
 * {@code key: value} lines, then one line per member. Replication lag is {@code -}: patroxy does not read it.
 */
final class ShowCluster {
    static final String MEMBERS_HEADER = "# server member address role timeline lag routed_by\n";

    private ShowCluster() {
    }

    static String render(StatsSnapshot snapshot, PatroxyConfig config, List<RuntimeView.ClusterMember> members) {
        StringBuilder out = new StringBuilder();
        DcsStatus dcs = snapshot.dcs();
        if (config.dcs().isPresent() && dcs.configured()) {
            DcsConfig c = config.dcs().get();
            out.append("dcs: ").append(c.type().configName()).append(' ')
                    .append(c.hosts().stream().map(HostPort::toString).collect(Collectors.joining(","))).append('\n');
            out.append("leader_key: ").append(c.leaderKey()).append('\n');
            out.append("leader: ").append(dcs.leader()).append('\n');
            out.append("dcs_request_failures: ").append(dcs.requestFailures()).append('\n');
            out.append("dcs_errors: ").append(dcs.errors()).append('\n');
            if (dcs.lastError() != null) {
                out.append("dcs_last_error: ").append(oneLine(dcs.lastError())).append('\n');
            }
            if (dcs.warning() != null) {
                out.append("warning: ").append(oneLine(dcs.warning())).append('\n');
            }
        } else {
            out.append("dcs: none (the REST checks alone decide)\n");
        }
        out.append(MEMBERS_HEADER);
        for (RuntimeView.ClusterMember m : members) {
            out.append(m.server()).append(' ').append(m.member()).append(' ').append(m.address()).append(' ')
                    .append(m.role()).append(' ').append(m.timeline() > 0 ? Long.toString(m.timeline()) : "-")
                    .append(" - ").append(m.routedBy().isEmpty() ? "-" : String.join(",", m.routedBy()))
                    .append('\n');
        }
        return out.toString();
    }

    /** Every answer line is one line: a newline in an error's text would read as the end of the answer. */
    static String oneLine(String text) {
        return text.replaceAll("[\\r\\n]+", " ");
    }
}
