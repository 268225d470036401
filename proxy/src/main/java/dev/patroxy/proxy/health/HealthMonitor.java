package dev.patroxy.proxy.health;

import dev.patroxy.config.Balance;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.proxy.dcs.LeaderListener;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.DcsLeader;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.SwitchoverPause;
import dev.patroxy.proxy.routing.SwitchoverRequest;
import dev.patroxy.stats.AdminState;
import dev.patroxy.stats.CheckResult;
import dev.patroxy.stats.ServerState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every server's health check on its interval and turns the answers into routing: it records each answer
 * in the server's {@link HealthState}, refreshes the listener's router when a server goes UP or DOWN, and cuts
 * the sessions of a server that stopped taking them. It also hears the DCS leader key ({@link LeaderListener}):
 * a change there reroutes the primary listeners at once and checks fast ({@link FastChecks}) the servers whose state
 * disagrees with the key, until they agree, so the new primary is routed within a fast check of answering 200. The
 * checks themselves are the {@link CheckRegistry}'s, shared with every other generation checking the same targets.
 * All state changes happen on one scheduler thread. It is given only listeners whose servers are checked.
 */
public final class HealthMonitor implements AutoCloseable, LeaderListener {
    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final CheckRegistry registry;
    private final Map<Backend, HealthState> states = new HashMap<>();
    private final Map<Backend, ListenerRouter> routerOf = new HashMap<>();
    /** Written on the scheduler thread, read by {@link #close()} on any. */
    private final Map<Backend, CheckRegistry.Subscription> checks = new ConcurrentHashMap<>();
    private final FastChecks<Backend> fast = new FastChecks<>();
    /**
     * Servers of primary listeners that were UP while the leader key named them. While the key still names one, checks
     * that fail without a word about the role (Patroni's REST API hanging or refusing) do not take it out: the key
     * exists only while Patroni's HA loop on that node renews it, and PostgreSQL itself still vouches for every new
     * session ({@code in_hot_standby}).
     */
    private final Set<Backend> vouchedByLeader = new HashSet<>();
    /** When a session last found each server's PostgreSQL in recovery. */
    private final Map<Backend, Instant> recoverySeen = new HashMap<>();
    private final Set<ListenerRouter> routers = new LinkedHashSet<>();
    private DcsLeader leader = DcsLeader.UNKNOWN;
    private final SwitchoverPause switchover;
    /** Re-decides the switchover pause when time alone changes it; null when nothing is due. */
    private ScheduledFuture<?> switchoverTimer;
    /** Servers whose first check has not concluded yet (answered, refused or timed out). */
    private final Set<Backend> unanswered = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> firstAnswers = new CompletableFuture<>();
    private volatile boolean closed;

    /** A monitor that never holds sessions for a switchover. */
    public HealthMonitor(List<ListenerRouter> routers, ScheduledExecutorService scheduler, Clock clock,
            CheckRegistry registry) {
        this(routers, scheduler, clock, registry, Duration.ZERO);
    }

    /**
     * @param registry the proxy's running checks, which this monitor subscribes to at {@link #start}
     * @param switchoverPause the longest primary listeners hold new sessions for a switchover Patroni was asked for
     */
    public HealthMonitor(List<ListenerRouter> routers, ScheduledExecutorService scheduler, Clock clock,
            CheckRegistry registry, Duration switchoverPause) {
        this.switchover = new SwitchoverPause(switchoverPause, clock);
        this.scheduler = scheduler;
        this.clock = clock;
        this.registry = registry;
        for (ListenerRouter router : routers) {
            this.routers.add(router);
            for (Backend backend : router.backends()) {
                CheckConfig check = backend.check().orElseThrow();
                states.put(backend, new HealthState(check.rise(), check.fall(), clock));
                routerOf.put(backend, router);
                backend.onConnectFailure(() -> {
                    if (!closed) {
                        scheduler.execute(() -> connectFailed(backend));
                    }
                });
                backend.onSeenInRecovery(() -> {
                    if (!closed) {
                        scheduler.execute(() -> seenInRecovery(backend));
                    }
                });
            }
        }
        unanswered.addAll(states.keySet());
        if (unanswered.isEmpty()) {
            firstAnswers.complete(null);
        }
    }

    /**
     * Completes once the first check of every server has concluded, or what it knew was carried over from the
     * configuration a reload replaced: from then on routing rests on what the checks say, not on their absence.
     */
    public CompletableFuture<Void> firstAnswers() {
        return firstAnswers;
    }

    /** The servers, as {@code listener/server}, whose first check has not concluded yet. */
    public List<String> unanswered() {
        return unanswered.stream().map(HealthMonitor::key).sorted().toList();
    }

    /**
     * The longest the first checks can take to conclude: the first goes out within the start spread, and one that never
     * answers is given up its deadline and grace later.
     */
    public Duration firstAnswersWithin() {
        Duration longest = Duration.ZERO;
        for (Backend backend : states.keySet()) {
            Duration deadline = backend.checkTarget().orElseThrow().deadline();
            longest = deadline.compareTo(longest) > 0 ? deadline : longest;
        }
        return longest.plus(SharedCheck.START_SPREAD).plus(SharedCheck.MAX_JITTER).plus(SharedCheck.OVERDUE_GRACE);
    }

    private void concluded(Backend backend) {
        if (unanswered.remove(backend) && unanswered.isEmpty()) {
            firstAnswers.complete(null);
        }
    }

    /**
     * What this monitor knows, for the one of the configuration a reload puts in force: the DCS leader, and per
     * server (by listener and name) its health, whether the key vouches for it, what Patroni last reported, and when
     * a session last found it in recovery.
     */
    public record Knowledge(DcsLeader leader, Map<String, Known> servers) {
        public static final Knowledge NONE = new Knowledge(DcsLeader.UNKNOWN, Map.of());

        /** The same without what came from the DCS: for a configuration that reads another DCS, or none. */
        public Knowledge forgetLeader() {
            Map<String, Known> unvouched = new HashMap<>();
            servers.forEach((key, k) -> unvouched.put(key, new Known(k.server(), k.check(), k.state(), false,
                    k.role(), k.timeline(), k.failsafe(), k.recoverySeen())));
            return new Knowledge(DcsLeader.UNKNOWN, unvouched);
        }
    }

    /** One server's part of {@link Knowledge}; it applies only to a server whose address and check are unchanged. */
    record Known(ServerConfig server, CheckConfig check, HealthState state, boolean vouched, String role,
            long timeline, boolean failsafe, Instant recoverySeen) {
    }

    private static String key(Backend backend) {
        return backend.listenerName() + "/" + backend.server().name();
    }

    /** Takes {@link Knowledge} on the scheduler thread, where it is consistent; waits at most a second for it. */
    public Knowledge knowledge() {
        try {
            return scheduler.submit(() -> {
                Map<String, Known> servers = new HashMap<>();
                states.forEach((backend, state) -> servers.put(key(backend), new Known(backend.server(),
                        backend.check().orElseThrow(), state.copy(), vouchedByLeader.contains(backend),
                        backend.reportedRole(), backend.reportedTimeline(), backend.reportedFailsafe(),
                        recoverySeen.get(backend))));
                return new Knowledge(leader, servers);
            }).get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Knowledge.NONE;
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("the replaced configuration's health could not be read ({}); starting from scratch", e.toString());
            return Knowledge.NONE;
        }
    }

    /**
     * Follows every server's check (a new target's first check goes out at once, spread over a few milliseconds; a
     * target another generation checks already is shared), first taking
     * over what the monitor of a replaced configuration knew about servers whose address and check are unchanged
     * ({@link Knowledge#NONE} at start) and routing on it at once: a reload neither forgets the primary nor the
     * leader key, nor a primary the key vouches for while its REST API hangs.
     */
    public void start(Knowledge previous) {
        scheduler.execute(() -> {
            if (closed) {
                return;
            }
            adopt(previous);
            for (Backend backend : states.keySet()) {
                CheckTarget target = backend.checkTarget().orElseThrow();
                CheckRegistry.Subscription check = registry.subscribe(target, this::onScheduler,
                        (answer, sentAt) -> answered(backend, answer, sentAt));
                checks.put(backend, check);
                if (closed) {
                    // close() ran meanwhile and may not have seen this one.
                    check.close();
                }
            }
        });
    }

    private void adopt(Knowledge previous) {
        leader = previous.leader();
        boolean adopted = false;
        for (Backend backend : List.copyOf(states.keySet())) {
            Known known = previous.servers().get(key(backend));
            if (known == null || !known.server().sameNode(backend.server())
                    || !known.check().equals(backend.check().orElseThrow())) {
                continue;
            }
            states.put(backend, known.state());
            concluded(backend);
            backend.publishHealth(known.state().snapshot(), known.role(), known.timeline());
            backend.publishFailsafe(known.failsafe());
            if (known.vouched()) {
                vouchedByLeader.add(backend);
            }
            if (known.recoverySeen() != null) {
                recoverySeen.put(backend, known.recoverySeen());
            }
            adopted = true;
        }
        if (adopted) {
            for (ListenerRouter router : routers) {
                reroute(router, "configuration reloaded");
            }
        }
    }

    private void onScheduler(Runnable task) {
        if (!closed) {
            scheduler.execute(task);
        }
    }

    /** One answer of a shared check: applied, then the next fast check asked for if the server still disagrees. */
    private void answered(Backend backend, CheckAnswer answer, Instant sentAt) {
        if (closed) {
            return;
        }
        try {
            apply(backend, answer, sentAt);
        } catch (RuntimeException e) {
            states.get(backend).countError();
            log.error("{}: applying a check answer failed; the next answer is applied as usual", backend, e);
        }
        concluded(backend);
        fast.next(backend, disagreesWithLeader(backend), backend.check().orElseThrow().interval(), clock.instant())
                .ifPresent(delay -> checks.get(backend).hurry(delay));
    }

    /**
     * Whether a server's state disagrees with the leader key, so that a check may soon change routing. On a primary
     * listener, none does once it routes to the server the key names (with the key absent, to the one Patroni's
     * failsafe mode keeps); until then the named server does, and every other server that still answers as primary.
     * Without the key (the DCS unknown), every server does until one is
     * routed. On other listeners a server followed since a change disagrees until its state has flipped (the new
     * leader stops answering as a replica, the former one starts).
     */
    private boolean disagreesWithLeader(Backend backend) {
        ListenerRouter router = routerOf.get(backend);
        if (router.listener().balance() != Balance.PRIMARY) {
            return states.get(backend).isUp() == fast.wasUp(backend);
        }
        Backend current = router.current().orElse(null);
        if (!router.leaderDecides(leader)) {
            return current == null;
        }
        if (current != null && (leader.member() == null || leader.names(current.server()))) {
            return false;
        }
        return leader.names(backend.server()) || states.get(backend).isUp();
    }

    /**
     * Starts checking fast, on every listener of {@code scope}, the servers a role change may concern (on a primary
     * listener all, elsewhere those named by {@code members}), and checks now those that disagree already.
     */
    private void checkFast(List<ListenerRouter> scope, Set<String> members) {
        Instant now = clock.instant();
        for (ListenerRouter router : scope) {
            boolean primary = router.listener().balance() == Balance.PRIMARY;
            for (Backend backend : router.backends()) {
                if (primary || members.contains(backend.server().member())) {
                    fast.start(backend, states.get(backend).isUp(), now);
                    if (disagreesWithLeader(backend)) {
                        checkNow(backend);
                    }
                }
            }
        }
    }

    /**
     * Applies one answer to a check sent at {@code sentAt}; must run on the scheduler thread. A pass sent before a
     * session last found the server in recovery is older news than that and is not counted.
     */
    void apply(Backend backend, CheckAnswer answer, Instant sentAt) {
        Instant seen = recoverySeen.get(backend);
        if (seen != null && answer.result().passed() && !sentAt.isAfter(seen)) {
            log.debug("{}: ignoring a pass sent before PostgreSQL was seen in recovery", backend);
            return;
        }
        HealthState state = states.get(backend);
        HealthState.Change change = state.record(answer.result());
        // A server back from MAINT takes sessions once a check sent since passes, not on what was known before.
        boolean backFromMaint = answer.result().passed() && backend.admin().awaitingCheckSince() != null
                && backend.updateAdmin(a -> a.checkPassed(sentAt)).awaitingCheckSince() == null;
        long timelineBefore = backend.reportedTimeline();
        backend.publishHealth(state.snapshot(), answer.reportedRole(), answer.timeline());
        boolean failsafeBefore = backend.reportedFailsafe();
        if (answer.result().code() > 0) {
            // Patroni answered: its word on failsafe mode replaces the last one. A check it never answered says nothing.
            backend.publishFailsafe(answer.failsafeActive());
        }
        ListenerRouter router = routerOf.get(backend);
        // With the leader key absent, Patroni's failsafe mode decides who keeps the primary port.
        boolean failsafeMoved = failsafeBefore != backend.reportedFailsafe()
                && router.listener().balance() == Balance.PRIMARY && keyAbsent();
        // Without the DCS, a later timeline decides between two servers answering as primary: a new one counts.
        boolean timelineMoved = answer.timeline() > 0 && answer.timeline() != timelineBefore && state.isUp()
                && router.listener().balance() == Balance.PRIMARY && !router.leaderDecides(leader);
        boolean unvouched = false;
        if (state.state() == ServerState.NOLB) {
            unvouched = vouchedByLeader.remove(backend);
        } else if (state.isUp() && router.listener().balance() == Balance.PRIMARY
                && leader.names(backend.server())) {
            vouchedByLeader.add(backend);
        }
        if (router.listener().balance() == Balance.PRIMARY && router.current().orElse(null) == backend) {
            // The detection of a change the checks find starts at the current primary's first failed check.
            if (!answer.result().passed()) {
                router.roleChanges().signSeen(clock.instant());
            } else if (state.state() == ServerState.UP && change == HealthState.Change.NONE) {
                router.roleChanges().signGone();
            }
        }
        if (change == HealthState.Change.WENT_DOWN && vouchedByLeader.contains(backend)) {
            log.warn("{} is {} ({} {}) but the DCS leader key still names it, so Patroni's HA loop there renews it:"
                    + " it keeps the primary port until the key or PostgreSQL says otherwise", backend,
                    state.state(), answer.result().status(), answer.result().detail());
        }
        if (change == HealthState.Change.NONE && !unvouched && !timelineMoved && !failsafeMoved && !backFromMaint) {
            if (backend.isRoutable()) {
                // Clients held after their server refused them retry once its check has answered again.
                router.releaseHeld();
            }
            return;
        }
        log.info("{} is {} ({} {}: {})", backend, state.state(),
                answer.result().status(), answer.result().code(), answer.result().detail());
        reroute(router, "check: " + backend.server().name() + " is " + state.state() + " ("
                + answer.result().status() + " " + answer.result().detail() + ")");
    }

    /**
     * PostgreSQL itself said, at a session's start, that the server is in recovery: whatever its Patroni check last
     * answered, it takes no new sessions on a primary listener until a check sent after this passes again (a GET
     * check passes only while Patroni reports the role primary). Meanwhile the servers that disagree with the key
     * (without the DCS: all, until one is routed) are checked fast.
     */
    private void seenInRecovery(Backend backend) {
        Instant now = clock.instant();
        recoverySeen.put(backend, now);
        HealthState state = states.get(backend);
        CheckResult result = new CheckResult("L7STS", 0, Duration.ZERO,
                "PostgreSQL in recovery (in_hot_standby on at a session's start)", now);
        HealthState.Change change = state.record(result);
        backend.publishHealth(state.snapshot(), null, 0);
        boolean unvouched = vouchedByLeader.remove(backend);
        checkNow(backend);
        if (change != HealthState.Change.NONE || unvouched) {
            log.warn("{} is {}: PostgreSQL reported in_hot_standby on to a new session while its check said UP",
                    backend, state.state());
            reroute(routerOf.get(backend), "PostgreSQL: " + backend.server().name() + " is in recovery");
        }
        // Whoever takes the role now is found fast, as after a change of the leader key.
        checkFast(List.of(routerOf.get(backend)), Set.of());
    }

    /**
     * A connection to {@code backend}'s PostgreSQL failed. One the leader key alone kept on the primary port while its
     * check is down (the node's link cut, not just its REST API hung) takes no new sessions until a check passes:
     * each would wait out the connect timeout there, where held they go to the next primary as soon as it is routed.
     */
    private void connectFailed(Backend backend) {
        if (!states.get(backend).isUp() && vouchedByLeader.remove(backend)) {
            log.warn("{} is {} and its PostgreSQL did not take a connection either: the leader key no longer keeps it"
                    + " on the primary port; new sessions wait for the next primary or a passing check", backend,
                    states.get(backend).state());
            reroute(routerOf.get(backend), "PostgreSQL: " + backend.server().name() + " takes no connection");
        }
        checkNow(backend);
    }

    /** Whether the DCS is known to have no leader key. */
    private boolean keyAbsent() {
        return leader.known() && leader.member() == null;
    }

    private boolean mayTakeSessions(Backend backend) {
        return states.get(backend).isUp() || vouchedByLeader.contains(backend);
    }

    /** Checks {@code backend} as soon as its check allows: after the one on its way, if any, and its minimum gap. */
    private void checkNow(Backend backend) {
        CheckRegistry.Subscription check = checks.get(backend);
        if (check != null) {
            check.checkNow();
        }
    }

    private void reroute(ListenerRouter router, String reason) {
        String why = reason + contest(router);
        Backend before = router.current().orElse(null);
        ListenerRouter.RoutingChange routing = router.refresh(this::mayTakeSessions, leader);
        Backend after = router.current().orElse(null);
        if (router.listener().balance() == Balance.PRIMARY && before != after) {
            router.roleChanges().record(clock.instant(), before, after, why);
        }
        for (Backend dropped : routing.dropped()) {
            boolean cuts = dropped.admin().cutsSessionsWhenDropped(router.listener().shutdownSessionsOnDown());
            int killed = dropped.dropped(router.listener().shutdownSessionsOnDown());
            if (cuts) {
                log.info("{} takes no new sessions; closed its {} sessions ({})", dropped, killed,
                        dropped.admin().state() == AdminState.MAINT ? "in maintenance"
                                : "on-marked-down shutdown-sessions");
            } else {
                log.info("{} takes no new sessions; its {} sessions stay", dropped, dropped.sessionCount());
            }
        }
        for (Backend added : routing.added()) {
            log.info("{} takes new sessions (DCS leader: {}{})", added, leader,
                    keyAbsent() && router.listener().balance() == Balance.PRIMARY
                            ? "; Patroni's failsafe mode keeps it primary" : "");
        }
        holdForSwitchover(router);
    }

    /**
     * An operator changed a server's admin state or weight: every listener is routed again on the scheduler thread,
     * and a server back from MAINT is checked at once, so that it takes sessions a check after it is ready.
     */
    public void adminChanged(String why) {
        onScheduler(() -> {
            for (ListenerRouter router : routers) {
                reroute(router, "admin: " + why);
                int cut = router.cutSessionsInMaintenance();
                if (cut > 0) {
                    log.info("{}: closed {} sessions of servers in maintenance", router.listener().name(), cut);
                }
                router.backends().stream().filter(b -> b.admin().awaitingCheckSince() != null)
                        .forEach(this::checkNow);
            }
        });
    }

    /** Holds or lets go a primary listener's new sessions as the failover key and the leader key say now. */
    private void holdForSwitchover(ListenerRouter router) {
        if (router.listener().balance() != Balance.PRIMARY) {
            return;
        }
        boolean hold = switchover.holds(leader) && pausable(router);
        if (!router.pause(hold)) {
            return;
        }
        if (hold) {
            log.info("{}: holding new sessions: Patroni is asked to switch over from {} ({}), for at most the"
                    + " switchover pause", router.listener().name(), leader, switchover.request());
        } else {
            log.info("{}: new sessions go on, to {} (DCS leader: {}; switchover asked: {})", router.listener().name(),
                    router.current().map(Backend::toString).orElse("nobody yet"), leader, switchover.request());
        }
    }

    /**
     * Whether a switchover request concerns this listener and may hold its clients: its hold is on (with
     * {@code timeout hold: none} a pause would turn every client away), the leader key picks its server, and the
     * candidate, if named, is one of its servers (Patroni drops a request for a member it does not have).
     */
    private boolean pausable(ListenerRouter router) {
        String candidate = switchover.request().candidate();
        return !router.listener().timeouts().hold().isZero() && router.leaderDecides(leader)
                && (candidate == null || router.backends().stream().anyMatch(b -> b.server().member().equals(candidate)));
    }

    /**
     * What Patroni's failover key asks for; runs on the scheduler. Primary listeners hold new sessions while it asks
     * the leader to hand over, until the leader key names another member or the pause runs out.
     */
    @Override
    public void switchoverIs(SwitchoverRequest request, Instant heardAt) {
        if (!switchover.requested(request, heardAt)) {
            return;
        }
        if (request.unreadable() != null) {
            log.warn("Patroni's failover key is {}: new sessions are not held for it", request);
        } else {
            log.info("Patroni's failover key asks for a switchover: {}", request);
        }
        decideSwitchoverPause();
    }

    private void decideSwitchoverPause() {
        if (closed) {
            return;
        }
        if (switchoverTimer != null) {
            switchoverTimer.cancel(false);
            switchoverTimer = null;
        }
        routers.forEach(this::holdForSwitchover);
        switchover.untilChange(leader).ifPresent(delay -> {
            try {
                switchoverTimer = scheduler.schedule(this::decideSwitchoverPause, delay.toNanos(),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                log.debug("switchover pause not re-decided: the scheduler has stopped");
            }
        });
    }

    /**
     * When more than one server of a primary listener answers as primary (a partition, a promotion under way), what
     * they report and which rule picks one, for the log and the role-change record; empty otherwise.
     */
    private String contest(ListenerRouter router) {
        if (router.listener().balance() != Balance.PRIMARY) {
            return "";
        }
        List<Backend> claimants = router.backends().stream().filter(b -> states.get(b).isUp()).toList();
        if (claimants.size() < 2) {
            return "";
        }
        String who = claimants.stream()
                .map(b -> b.server().name() + (b.reportedTimeline() > 0 ? " timeline " + b.reportedTimeline() : ""))
                .collect(Collectors.joining(", "));
        String rule = !router.leaderDecides(leader) ? "the latest timeline, else the current primary ("
                + (!leader.known() ? "DCS unknown" : leader.member() == null ? "no leader key" : "the key names none of"
                        + " its servers") + ")"
                : keyAbsent() ? "Patroni's failsafe mode (no leader key): the current primary while it claims it, else"
                        + " the only server that does"
                : "the DCS leader key (" + leader + ")";
        String contest = "; " + claimants.size() + " servers answer as primary (" + who + "), decided by " + rule;
        log.warn("{}: {}", router.listener().name(), contest.substring(2));
        return contest;
    }

    @Override
    public void leaderIs(String member, long index) {
        leaderChanged(DcsLeader.of(member), "the DCS leader key names " + member + " (index " + index + ")");
    }

    @Override
    public void noLeader(long index) {
        leaderChanged(DcsLeader.NONE, "the DCS leader key is gone (index " + index + ")");
    }

    @Override
    public void unreachable(String reason) {
        leader = DcsLeader.UNKNOWN;
        log.warn("DCS unreachable ({}); routing on the REST checks alone", reason);
        if (!vouchedByLeader.isEmpty() || routers.stream().anyMatch(ListenerRouter::leaderNamesNoServer)) {
            vouchedByLeader.clear();
            for (ListenerRouter router : routers) {
                reroute(router, "DCS unreachable: the checks alone decide");
            }
        }
        decideSwitchoverPause();
    }

    /** Runs on the scheduler (the watch calls its listener there): reroutes now, then checks fast. */
    private void leaderChanged(DcsLeader now, String why) {
        DcsLeader before = leader;
        leader = now;
        vouchedByLeader.removeIf(b -> !now.names(b.server()));
        // A primary UP when the key comes to name it is vouched for now, not only at its next answer.
        for (ListenerRouter router : routers) {
            if (router.listener().balance() == Balance.PRIMARY) {
                router.backends().stream().filter(b -> now.names(b.server()) && states.get(b).isUp())
                        .forEach(vouchedByLeader::add);
            }
        }
        log.info("{}: rerouting, and checking fast the servers that disagree with the key until they agree", why);
        for (ListenerRouter router : routers) {
            router.roleChanges().signSeen(clock.instant());
            reroute(router, "DCS: " + why);
            if (now.equals(DcsLeader.NONE) && router.listener().balance() == Balance.PRIMARY
                    && router.leaderDecides(now)) {
                failsafeOrNobody(router);
            }
            if (router.leaderNamesNoServer()) {
                log.warn("{}: the DCS leader key names the Patroni member '{}', which is none of this listener's servers"
                        + " (members {}); until a server's member: matches Patroni's name: for that node, the REST"
                        + " checks alone pick the primary", router.listener().name(), now.member(),
                        router.backends().stream().map(b -> b.server().member()).distinct().toList());
            }
        }
        decideSwitchoverPause();
        if (now.equals(before)) {
            // A new watch (a reload's) reading the key it already knew: nothing changed, nothing to check fast.
            return;
        }
        Set<String> concerned = new HashSet<>();
        for (DcsLeader named : List.of(before, now)) {
            if (named.member() != null) {
                concerned.add(named.member());
            }
        }
        checkFast(List.copyOf(routers), concerned);
    }

    /** Says, once the leader key is gone, whether a primary Patroni's failsafe mode keeps holds the port. */
    private void failsafeOrNobody(ListenerRouter router) {
        Backend current = router.current().orElse(null);
        if (current != null) {
            log.warn("{}: the DCS leader key is gone but Patroni's failsafe mode keeps {} primary"
                    + " (failsafe_mode_is_active): it keeps the port", router.listener().name(), current.server().name());
        } else if (!router.listener().check().map(c -> c.method().equals("GET")).orElse(false)) {
            log.warn("{}: the DCS leader key is gone: no primary. This listener's checks carry no body, so a primary"
                    + " Patroni's failsafe mode keeps is not seen; check by GET to follow it", router.listener().name());
        }
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> timer = switchoverTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        checks.values().forEach(CheckRegistry.Subscription::close);
    }
}
