package dev.patroxy.proxy.runtime;

import dev.patroxy.stats.ListenerStats;
import dev.patroxy.stats.RoleChange;
import dev.patroxy.stats.StatsSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code show events}, patroxy's own: the latest changes of the server each primary listener sends new sessions to,
 * oldest first, as the stats page lists them: {@code <time> <listener>: <from> -> <to> (<why>) detected in <ms>}.
 */
final class ShowEvents {
    private static final String NONE = "-";

    private ShowEvents() {
    }

    static String render(StatsSnapshot snapshot) {
        record Event(String listener, RoleChange change) {
        }
        List<Event> events = new ArrayList<>();
        for (ListenerStats listener : snapshot.listeners()) {
            listener.roleChanges().forEach(c -> events.add(new Event(listener.name(), c)));
        }
        events.sort(Comparator.comparing(e -> e.change().at()));
        StringBuilder out = new StringBuilder();
        for (Event e : events) {
            RoleChange c = e.change();
            out.append(c.at()).append(' ').append(e.listener()).append(": ")
                    .append(c.from() == null ? NONE : c.from()).append(" -> ").append(c.to() == null ? NONE : c.to())
                    .append(" (").append(ShowCluster.oneLine(c.why())).append(')');
            if (c.detection() != null) {
                out.append(" detected in ").append(c.detection().toMillis()).append("ms");
            }
            out.append('\n');
        }
        return out.toString();
    }
}
