package dev.patroxy.proxy.runtime;

import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.stats.StatsSnapshot;
import java.util.List;

/** What the runtime API's read commands show: the running proxy, as of the moment each command runs. */
public interface RuntimeView {
    /** The same snapshot the stats page renders. */
    StatsSnapshot snapshot();

    /** The configuration in force: the names act commands are checked against. */
    PatroxyConfig config();

    /** Each server as a Patroni member, for {@code show cluster}. */
    List<ClusterMember> members();

    ProcessFacts process();

    /**
     * One server as a member of the Patroni cluster.
     *
     * @param role the role patroxy last learned for it, a {@link dev.patroxy.stats.ServerRole#label()}
     * @param timeline PostgreSQL's timeline as Patroni last reported it, 0 when no check body said
     * @param routedBy the listeners that send it new sessions now
     */
    record ClusterMember(String server, String member, String address, String role, long timeline,
            List<String> routedBy) {
        public ClusterMember {
            routedBy = List.copyOf(routedBy);
        }
    }

    /**
     * The process, for {@code show info}.
     *
     * @param threads the event-loop threads that relay sessions (HAProxy's {@code nbthread})
     * @param maxconn the proxy-wide {@code global.maxconn} in force, 0 for none
     * @param openFilesLimit the soft limit on open files, 0 when unknown
     * @param heapMax the JVM's largest heap in bytes (patroxy's memory bound, HAProxy's {@code -m})
     * @param heapCommitted the heap the JVM holds now
     * @param heapUsed the part of it in use
     * @param node the host name
     * @param tasks the JVM's live threads (HAProxy's {@code Tasks} counts its own units of work)
     * @param runQueue tasks waiting on the relay's event loops now (HAProxy's {@code Run_queue})
     */
    record ProcessFacts(long pid, int threads, int maxconn, long openFilesLimit, long heapMax, long heapCommitted,
            long heapUsed, String node, long tasks, long runQueue) {
    }
}
