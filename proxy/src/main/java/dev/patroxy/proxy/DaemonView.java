package dev.patroxy.proxy;

import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.proxy.relay.FirstPacketPlaces;
import dev.patroxy.proxy.relay.ProxyListener;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.runtime.RuntimeView;
import dev.patroxy.stats.StatsSnapshot;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** The running daemon as the runtime API's read commands see it: always the configuration in force. */
final class DaemonView implements RuntimeView {
    private final Supplier<Generation> current;
    private final Supplier<StatsSnapshot> snapshots;
    private final LongSupplier runQueue;
    private final int threads;
    private final int maxconn;
    /** Looked up once at start: a host name lookup may wait on DNS, and the runtime API runs on an event loop. */
    private final String node;

    DaemonView(Supplier<Generation> current, Supplier<StatsSnapshot> snapshots, LongSupplier runQueue, int threads,
            int maxconn, String node) {
        this.current = current;
        this.snapshots = snapshots;
        this.runQueue = runQueue;
        this.threads = threads;
        this.maxconn = maxconn;
        this.node = node;
    }

    @Override
    public StatsSnapshot snapshot() {
        return snapshots.get();
    }

    @Override
    public PatroxyConfig config() {
        return current.get().config();
    }

    @Override
    public List<ClusterMember> members() {
        Generation generation = current.get();
        List<ClusterMember> members = new ArrayList<>();
        for (ServerConfig server : generation.config().servers()) {
            List<Backend> backends = new ArrayList<>();
            List<String> routedBy = new ArrayList<>();
            for (ProxyListener listener : generation.listeners()) {
                for (Backend b : listener.router().backends()) {
                    if (b.server().name().equals(server.name())) {
                        backends.add(b);
                        if (b.isRoutable()) {
                            routedBy.add(listener.router().listener().name());
                        }
                    }
                }
            }
            long timeline = backends.stream().mapToLong(Backend::reportedTimeline).max().orElse(0);
            members.add(new ClusterMember(server.name(), server.member(), server.address().toString(),
                    ServerRoles.roleOf(backends).label(), timeline, routedBy));
        }
        return members;
    }

    @Override
    public ProcessFacts process() {
        Runtime jvm = Runtime.getRuntime();
        return new ProcessFacts(ProcessHandle.current().pid(), threads, maxconn, FirstPacketPlaces.openFilesLimit(),
                jvm.maxMemory(), jvm.totalMemory(), jvm.totalMemory() - jvm.freeMemory(), node,
                ManagementFactory.getThreadMXBean().getThreadCount(), runQueue.getAsLong());
    }
}
