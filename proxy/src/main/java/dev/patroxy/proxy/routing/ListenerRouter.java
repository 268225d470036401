package dev.patroxy.proxy.routing;

import dev.patroxy.config.Balance;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.stats.AdminState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Picks the server for each new session of one listener. The health-check thread calls {@link #refresh} after
 * any health change; event loops call {@link #pick} and only ever read an immutable list. Clients that found no
 * server wait in {@link #held()} and are let go as soon as a refresh finds one.
 *
 * <p>{@code primary}: one server at a time. When the DCS leader key is known, only the server it names may be it,
 * and only once its own check agrees: two nodes answering 200 for a while (a known Patroni window) cannot split
 * the port, and a node the key no longer names stops taking sessions at once. A key known to be absent leaves the
 * port to a primary Patroni's failsafe mode keeps ({@link FailsafePrimary}), to nobody otherwise. A key naming a
 * member that is none of the listener's servers (their {@code member:} names do not match Patroni's) cannot pick a
 * server: the checks alone decide then, as without the DCS, rather than nobody at all, and
 * {@link #leaderNamesNoServer()} says so. A listener checking {@code /standby-leader} is routed by its checks
 * while the key is absent: that key is most often another cluster's (a standby cluster's listener beside the
 * cluster {@code dcs} names, whose failover must not take the standby leader off the port), and Patroni answers
 * 200 there only on the holder of the standby cluster's own leader lock. Without the DCS, the current one stays
 * while it is UP, even if another server also answers UP; only when it goes DOWN does the first UP server in configuration order take over.
 * {@code roundrobin}: every UP server in turn, as often as its weight.
 *
 * <p>What an operator set ({@link ServerAdmin}) comes first: a server in DRAIN or MAINT, at weight 0, or back from
 * MAINT without a passing check since, is none of the candidates, whatever its health; with the only primary out that
 * way, new clients are held as in a failover. A disabled listener ({@link #disable}) holds every new client.
 * Refreshes run on one thread at a time (the generation's health-check thread); {@link #disable} may come from any.
 */
public final class ListenerRouter {
    private final ListenerConfig listener;
    private final List<Backend> backends;
    private final AtomicInteger next = new AtomicInteger();
    private final HoldQueue held;
    private final RoleChanges roleChanges = new RoleChanges();
    private volatile List<Backend> routable = List.of();
    /** The order new sessions take the routable servers in: {@link #routable}, or one weighted cycle of it. */
    private volatile List<Backend> rotation = List.of();
    private volatile boolean disabled;
    private volatile boolean leaderNamesNoServer;
    private volatile boolean paused;
    private final AtomicInteger pauses = new AtomicInteger();

    public ListenerRouter(ListenerConfig listener, List<Backend> backends) {
        this.listener = listener;
        this.backends = List.copyOf(backends);
        this.held = new HoldQueue(listener.releaseRate(), System::nanoTime);
    }

    /** The changes of the server a {@code primary} listener routes to, recorded by the health checks. */
    public RoleChanges roleChanges() {
        return roleChanges;
    }

    /** New clients waiting while no server takes sessions; let go by {@link #refresh} once one does. */
    public HoldQueue held() {
        return held;
    }

    public ListenerConfig listener() {
        return listener;
    }

    public List<Backend> backends() {
        return backends;
    }

    /** The server for a new session, or empty when none may take it. */
    public Optional<Backend> pick() {
        if (paused || disabled) {
            return Optional.empty();
        }
        List<Backend> now = rotation;
        if (now.isEmpty()) {
            return Optional.empty();
        }
        if (now.size() == 1) {
            return Optional.of(now.get(0));
        }
        return Optional.of(now.get(Math.floorMod(next.getAndIncrement(), now.size())));
    }

    /**
     * Recomputes which servers take new sessions from their health, {@code isUp} telling which are UP.
     * Returns which servers started and which stopped taking them; the caller may have to cut the latter's sessions.
     */
    public RoutingChange refresh(Predicate<Backend> isUp) {
        return refresh(isUp, DcsLeader.UNKNOWN);
    }

    /** As {@link #refresh(Predicate)}, with what the DCS leader key says deciding who may be primary. */
    public RoutingChange refresh(Predicate<Backend> healthy, DcsLeader leader) {
        Predicate<Backend> isUp = b -> b.admin().admitsNewSessions() && healthy.test(b);
        List<Backend> before = routable;
        leaderNamesNoServer = listener.balance() == Balance.PRIMARY && leader.member() != null
                && backends.stream().noneMatch(b -> leader.names(b.server())) && !checksStandbyLeader();
        List<Backend> after = switch (listener.balance()) {
            case PRIMARY -> !leaderDecides(leader) ? primaryAfter(before, isUp)
                    : leader.member() != null ? leaderIfUp(isUp, leader)
                    : FailsafePrimary.after(before, backends, b -> isUp.test(b) && b.reportedFailsafe());
            case ROUNDROBIN -> backends.stream().filter(isUp).toList();
        };
        // Newly routable servers are flagged before the list is published and dropped ones only after, so that a
        // session picked from either list registers successfully unless its server really was dropped.
        List<Backend> dropped = new ArrayList<>();
        List<Backend> added = new ArrayList<>();
        for (Backend b : after) {
            if (!b.isRoutable()) {
                added.add(b);
            }
            b.setRoutable(true);
        }
        rotation = listener.balance() == Balance.ROUNDROBIN ? WeightedRotation.of(after, b -> b.admin().weight())
                : after;
        routable = after;
        for (Backend b : backends) {
            if (b.isRoutable() && !after.contains(b)) {
                b.setRoutable(false);
                dropped.add(b);
            }
        }
        if (!after.isEmpty() && !paused && !disabled) {
            held.releaseAll();
        }
        return new RoutingChange(added, dropped);
    }

    /**
     * Whether the leader key picks this primary listener's server: it is known and either naming one of its servers,
     * or absent (no primary then, but for one Patroni's failsafe mode keeps) on a listener that does not check
     * {@code /standby-leader}.
     */
    public boolean leaderDecides(DcsLeader leader) {
        return leader.known() && (leader.member() == null ? !checksStandbyLeader()
                : backends.stream().anyMatch(b -> leader.names(b.server())));
    }

    private List<Backend> leaderIfUp(Predicate<Backend> isUp, DcsLeader leader) {
        return backends.stream().filter(b -> leader.names(b.server()) && isUp.test(b))
                .findFirst().map(List::of).orElse(List.of());
    }

    /**
     * Holds every new session while {@code pause} is on, without taking any server out: the current primary keeps
     * its sessions and its place, and takes new ones again when the pause ends unless a refresh has moved the port.
     * Returns whether the pause changed.
     */
    public boolean pause(boolean pause) {
        if (pause == paused) {
            return false;
        }
        paused = pause;
        if (pause) {
            pauses.incrementAndGet();
        } else if (!routable.isEmpty() && !disabled) {
            held.releaseAll();
        }
        return true;
    }

    /**
     * Holds every new client while {@code disable} is on ({@code disable frontend}), as when there is no primary, and
     * lets them go to the server in force once enabled again. Returns whether it changed; any thread may call it.
     */
    public boolean disable(boolean disable) {
        if (disable == disabled) {
            return false;
        }
        disabled = disable;
        if (!disable && !routable.isEmpty()) {
            releaseHeld();
        }
        return true;
    }

    /** Whether an operator disabled the listener: new clients are held. */
    public boolean disabled() {
        return disabled;
    }

    /** Lets the held clients go, unless a pause or a disabled listener holds them. */
    public void releaseHeld() {
        if (!paused && !disabled) {
            held.releaseAll();
        }
    }

    /**
     * Cuts the sessions of the servers an operator put in MAINT; run after the refresh that stopped routing to them,
     * so that no session can register with one after the cut. Returns how many were cut.
     */
    public int cutSessionsInMaintenance() {
        int cut = 0;
        for (Backend b : backends) {
            if (b.admin().state() == AdminState.MAINT && b.sessionCount() > 0) {
                cut += b.killSessions();
            }
        }
        return cut;
    }

    /** Whether new sessions are held for a switchover under way. */
    public boolean paused() {
        return paused;
    }

    /** How many times new sessions were held for a switchover. */
    public int pauses() {
        return pauses.get();
    }

    /**
     * Whether the latest refresh had a leader key naming a member that is none of this primary listener's servers,
     * which their {@code member:} names explain; a standby cluster's listener is expected to see another cluster's.
     */
    public boolean leaderNamesNoServer() {
        return leaderNamesNoServer;
    }

    /** The server new sessions go to now, if any. */
    public Optional<Backend> current() {
        List<Backend> now = routable;
        return now.isEmpty() ? Optional.empty() : Optional.of(now.get(0));
    }

    /**
     * Without the DCS: the server already primary keeps the port while it is UP, unless another UP server reports a
     * later timeline (promoted after it: the current one is the stale side of a partition); otherwise the first UP
     * server with the latest timeline. Timelines are 0 where checks carry no body, which leaves the first rule.
     */
    private List<Backend> primaryAfter(List<Backend> before, Predicate<Backend> isUp) {
        List<Backend> up = backends.stream().filter(isUp).toList();
        long latest = up.stream().mapToLong(Backend::reportedTimeline).max().orElse(0);
        if (!before.isEmpty() && isUp.test(before.get(0)) && before.get(0).reportedTimeline() >= latest) {
            return before;
        }
        return up.stream().filter(b -> b.reportedTimeline() == latest).findFirst().map(List::of).orElse(List.of());
    }

    /**
     * Whether a new session on {@code server} must reach a PostgreSQL that is not in recovery, so that one reporting
     * {@code in_hot_standby} is turned away: on a primary listener, unless it routes to a standby cluster's leader,
     * which replays from another cluster and is in recovery by design. Such a listener checks {@code
     * /standby-leader}; a {@code /leader} check also answers for a standby leader, known as one by the role its
     * Patroni reported.
     */
    public boolean wantsWritable(Backend server) {
        if (listener.balance() != Balance.PRIMARY) {
            return false;
        }
        return !checksStandbyLeader() && !"standby_leader".equals(server.reportedRole());
    }

    private boolean checksStandbyLeader() {
        return listener.check().map(CheckConfig::asksForStandbyLeader).orElse(false);
    }

    /** Servers that started and stopped taking new sessions in one refresh. */
    public record RoutingChange(List<Backend> added, List<Backend> dropped) {
    }
}
