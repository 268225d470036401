package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.Timeouts;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.HoldQueue;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.TrafficCounters;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The session state machine without sockets: every transition, and what each way of ending gives back. */
class SessionLifecycleTest {
    private final Admission startup = new Admission(1, () -> 0);
    private final Admission global = new Admission(1, () -> 0);
    private final Admission listener = new Admission(0, () -> 0);
    private final TrafficCounters frontend = new TrafficCounters();
    private final FirstPacketPlaces firstPacketPlaces = new FirstPacketPlaces(1);
    private final ServerConfig server =
            new ServerConfig("pg01", new HostPort("127.0.0.1", 5432), new HostPort("127.0.0.1", 8008), 1);
    private final Backend backend = new Backend("primary", server, Optional.empty(), Instant.EPOCH);
    private final HoldQueue holdQueue = new HoldQueue(0, () -> 0);
    private final List<String> admitted = new ArrayList<>();

    SessionLifecycleTest() {
        Duration s = Duration.ofSeconds(1);
        ListenerConfig config = new ListenerConfig("primary", List.of(new BindAddress("127.0.0.1", 0)),
                Balance.PRIMARY, Optional.empty(), new Timeouts(s, s, s, s, s, s, s, s, s), 2, 0, true, false, 0,
                List.of(server));
        new ListenerRouter(config, List.of(backend)).refresh(b -> true);
    }

    private SessionLifecycle session() {
        return new SessionLifecycle(List.of(listener, startup, global), 1, frontend, firstPacketPlaces);
    }

    private Admission.Waiter waiter(String name) {
        return () -> admitted.add(name);
    }

    /** Takes every place as FrontendHandler does; false if one is full. */
    private static boolean admit(SessionLifecycle session, Admission.Waiter waiter) {
        while (!session.hasAllPlaces()) {
            if (!session.enterNext(waiter)) {
                return false;
            }
        }
        session.admitted();
        return true;
    }

    private void assertEverythingGivenBack() {
        assertThat(startup.inUse()).as("startup places").isZero();
        assertThat(global.inUse()).as("global places").isZero();
        assertThat(listener.inUse()).as("listener places").isZero();
        assertThat(startup.queued() + global.queued() + listener.queued()).as("queued for a place").isZero();
        assertThat(frontend.current()).as("frontend sessions").isZero();
        assertThat(backend.admission().inUse()).as("server places").isZero();
        assertThat(backend.admission().queued()).as("queued on the server").isZero();
        assertThat(backend.traffic().current()).as("server sessions").isZero();
        assertThat(backend.sessionCount()).as("registered sessions").isZero();
        assertThat(holdQueue.size()).as("held").isZero();
        assertThat(firstPacketPlaces.inUse()).as("places of clients in their first packet").isZero();
    }

    @Test
    void aClientInItsFirstPacketHoldsOnlyItsFirstPacketPlaceGivenBackOnceReadOrEnded() {
        SessionLifecycle reading = session();
        assertThat(reading.readingFirstPacket()).isTrue();
        assertThat(reading.state()).isEqualTo(SessionState.READING_FIRST_PACKET);
        assertThat(reading.inFirstPacket()).isTrue();
        assertThat(startup.inUse() + global.inUse() + listener.inUse()).as("no maxconn or startup place").isZero();
        SessionLifecycle past = session();
        assertThat(past.readingFirstPacket()).as("the only place is taken").isFalse();
        assertThat(past.state()).isEqualTo(SessionState.ACCEPTED);
        past.ended();

        reading.firstPacketRead();
        assertThat(reading.state()).isEqualTo(SessionState.ACCEPTED);
        assertThat(firstPacketPlaces.inUse()).as("given back once read").isZero();
        assertThat(admit(reading, waiter("read"))).isTrue();
        reading.ended();
        assertEverythingGivenBack();

        SessionLifecycle stalled = session();
        assertThat(stalled.readingFirstPacket()).isTrue();
        stalled.ended();
        stalled.ended();
        stalled.firstPacketRead();
        assertThat(stalled.state()).isEqualTo(SessionState.CLOSED);
        assertEverythingGivenBack();
    }

    @Test
    void aSessionThatRelaysTakesEveryPlaceGivesTheStartupOneBackThenTheRestWhenItEnds() {
        SessionLifecycle session = session();
        assertThat(session.state()).isEqualTo(SessionState.ACCEPTED);

        assertThat(admit(session, waiter("a"))).isTrue();
        assertThat(session.state()).isEqualTo(SessionState.ROUTING);
        assertThat(frontend.current()).isEqualTo(1);
        assertThat(startup.inUse()).isEqualTo(1);
        assertThat(global.inUse()).isEqualTo(1);

        assertThat(backend.admission().enterOrQueue(waiter("server"))).isTrue();
        SessionLifecycle.ServerLeg leg = new SessionLifecycle.ServerLeg(backend);
        assertThat(leg.relaying(new RelaySession(null, null, SessionLog.OFF))).isTrue();
        session.watching();
        assertThat(session.state()).isEqualTo(SessionState.WATCHING);
        assertThat(session.inStartup()).isTrue();
        assertThat(backend.traffic().current()).isEqualTo(1);

        session.pastStartup();
        assertThat(session.state()).isEqualTo(SessionState.RELAYING);
        assertThat(session.inStartup()).isFalse();
        assertThat(startup.inUse()).as("the startup place is given back past the startup").isZero();
        assertThat(global.inUse()).isEqualTo(1);

        leg.closed();
        session.ended();
        assertThat(session.state()).isEqualTo(SessionState.CLOSED);
        assertEverythingGivenBack();
    }

    @Test
    void endingTwiceGivesBackOnce() {
        SessionLifecycle session = session();
        admit(session, waiter("a"));
        SessionLifecycle.ServerLeg leg = new SessionLifecycle.ServerLeg(backend);
        backend.admission().enterOrQueue(waiter("server"));
        leg.relaying(new RelaySession(null, null, SessionLog.OFF));

        session.pastStartup();
        session.pastStartup();
        leg.closed();
        leg.closed();
        session.ended();
        session.operationComplete(null);

        assertEverythingGivenBack();
        assertThat(frontend.total()).isEqualTo(1);
    }

    @Test
    void aSessionWaitingForAPlaceThatEndsLeavesTheQueueAndHoldsNothing() {
        SessionLifecycle first = session();
        admit(first, waiter("first"));
        SessionLifecycle second = session();

        assertThat(admit(second, waiter("second"))).as("the startup limit is full").isFalse();
        assertThat(second.state()).isInstanceOf(SessionState.WaitingForPlace.class);
        assertThat(startup.queued()).isEqualTo(1);

        second.ended();
        first.ended();
        assertEverythingGivenBack();
        assertThat(admitted).as("the place did not go to a session that ended").isEmpty();
    }

    @Test
    void aPlaceThatComesForASessionThatAlreadyEndedIsGivenBack() {
        SessionLifecycle first = session();
        admit(first, waiter("first"));
        SessionLifecycle second = session();
        admit(second, waiter("second"));

        first.pastStartup();
        assertThat(admitted).as("the startup place went to the second").containsExactly("second");
        second.ended();
        assertThat(second.placeGiven()).as("the admission arrives after the end").isFalse();

        first.ended();
        assertEverythingGivenBack();
    }

    @Test
    void aWaiterGivenItsPlaceGoesOnTakingTheNext() {
        SessionLifecycle first = session();
        admit(first, waiter("first"));
        first.pastStartup();
        SessionLifecycle second = session();
        assertThat(admit(second, waiter("second"))).as("the global maxconn is full").isFalse();
        assertThat(startup.inUse()).as("a waiter for a global place holds its startup place").isEqualTo(1);

        first.ended();
        assertThat(admitted).containsExactly("second");
        assertThat(second.placeGiven()).isTrue();
        assertThat(admit(second, waiter("second"))).isTrue();
        assertThat(second.state()).isEqualTo(SessionState.ROUTING);

        second.ended();
        assertEverythingGivenBack();
    }

    @Test
    void aClientWaitingForItsListenersPlaceHoldsNoStartupPlaceAnotherListenerNeeds() {
        Admission ownListener = new Admission(1, () -> 0);
        Admission proxy = new Admission(0, () -> 0);
        SessionLifecycle first = new SessionLifecycle(List.of(ownListener, startup, proxy), 1, frontend, firstPacketPlaces);
        admit(first, waiter("first"));
        first.pastStartup();
        SessionLifecycle second = new SessionLifecycle(List.of(ownListener, startup, proxy), 1, frontend, firstPacketPlaces);

        assertThat(admit(second, waiter("second"))).isFalse();
        assertThat(startup.inUse()).isZero();
        SessionLifecycle otherListener = session();
        assertThat(admit(otherListener, waiter("other"))).as("gets the startup place").isTrue();

        otherListener.ended();
        second.ended();
        first.ended();
        assertEverythingGivenBack();
        assertThat(ownListener.inUse() + proxy.inUse()).isZero();
    }

    @Test
    void aSessionQueuedOnItsServerThatEndsLeavesTheServersQueue() {
        SessionLifecycle first = session();
        admit(first, waiter("first"));
        first.pastStartup();
        backend.admission().enterOrQueue(waiter("first on server"));
        SessionLifecycle.ServerLeg firstLeg = new SessionLifecycle.ServerLeg(backend);
        firstLeg.relaying(new RelaySession(null, null, SessionLog.OFF));
        Admission global2 = new Admission(0, () -> 0);
        SessionLifecycle second = new SessionLifecycle(List.of(new Admission(0, () -> 0), global2), 0, frontend, firstPacketPlaces);
        admit(second, waiter("second"));
        Admission.Waiter onServer = waiter("second on server");

        assertThat(backend.admission().enterOrQueue(onServer)).isFalse();
        second.queuedOnServer(backend, onServer);
        assertThat(second.state()).isEqualTo(new SessionState.QueuedOnServer(backend, onServer));

        second.ended();
        assertThat(backend.admission().queued()).isZero();
        firstLeg.closed();
        first.ended();
        assertThat(admitted).doesNotContain("second on server");
        assertEverythingGivenBack();
        assertThat(global2.inUse()).isZero();
    }

    @Test
    void aServerPlaceThatComesForASessionThatEndedIsGivenBack() {
        SessionLifecycle session = session();
        admit(session, waiter("a"));
        backend.admission().enterOrQueue(waiter("b"));
        session.ended();

        assertThat(session.serverPlaceGiven(backend)).isFalse();

        assertEverythingGivenBack();
    }

    @Test
    void aHeldSessionThatEndsLeavesTheHoldAndARoutingAfterTheEndDoesNothing() {
        SessionLifecycle session = session();
        admit(session, waiter("a"));
        HoldQueue.Held held = delay -> admitted.add("released");
        holdQueue.hold(held);
        session.held(holdQueue, held);
        assertThat(session.state()).isEqualTo(new SessionState.Held(holdQueue, held));
        assertThat(session.inStartup()).as("a hold has its own timeout").isFalse();

        session.ended();
        assertThat(session.routing()).as("a release that comes after the end").isFalse();
        assertThat(session.state()).isEqualTo(SessionState.CLOSED);
        assertEverythingGivenBack();
    }

    @Test
    void aHeldSessionReleasedRoutesAgain() {
        SessionLifecycle session = session();
        admit(session, waiter("a"));
        HoldQueue.Held held = delay -> admitted.add("released");
        holdQueue.hold(held);
        session.held(holdQueue, held);

        holdQueue.releaseAll();
        assertThat(session.routing()).isTrue();
        assertThat(session.state()).isEqualTo(SessionState.ROUTING);

        session.ended();
        assertEverythingGivenBack();
    }

    @Test
    void aSessionTurnedAwayIsInItsStartupUntilItEnds() {
        SessionLifecycle session = session();
        admit(session, waiter("a"));

        session.turningAway();
        assertThat(session.state()).isEqualTo(SessionState.TURNING_AWAY);
        assertThat(session.inStartup()).isTrue();
        assertThat(startup.inUse()).isEqualTo(1);

        session.ended();
        assertEverythingGivenBack();
    }

    @Test
    void aSessionTurnedAwayByItsServerWhileWatchedIsHeldThenWatchedAgain() {
        SessionLifecycle session = session();
        admit(session, waiter("a"));
        backend.admission().enterOrQueue(waiter("server"));
        SessionLifecycle.ServerLeg first = new SessionLifecycle.ServerLeg(backend);
        first.relaying(new RelaySession(null, null, SessionLog.OFF));
        session.watching();

        first.closed();
        HoldQueue.Held held = delay -> admitted.add("released");
        holdQueue.hold(held);
        session.held(holdQueue, held);
        holdQueue.releaseAll();
        session.routing();
        backend.admission().enterOrQueue(waiter("server again"));
        SessionLifecycle.ServerLeg second = new SessionLifecycle.ServerLeg(backend);
        second.relaying(new RelaySession(null, null, SessionLog.OFF));
        session.watching();
        assertThat(startup.inUse()).as("still in its startup").isEqualTo(1);
        assertThat(backend.traffic().total()).isEqualTo(2);

        session.ended();
        second.closed();
        assertEverythingGivenBack();
    }

    @Test
    void aConnectionThatClosesBeforeItIsRelayedGivesItsServerPlaceBackAndIsNotCounted() {
        SessionLifecycle session = session();
        admit(session, waiter("a"));
        backend.admission().enterOrQueue(waiter("server"));
        SessionLifecycle.ServerLeg leg = new SessionLifecycle.ServerLeg(backend);

        leg.closed();
        assertThat(leg.relaying(new RelaySession(null, null, SessionLog.OFF))).isFalse();
        session.ended();

        assertEverythingGivenBack();
        assertThat(backend.traffic().total()).isZero();
    }

    @Test
    void noTransitionLeavesClosed() {
        SessionLifecycle session = session();
        admit(session, waiter("a"));
        session.ended();

        session.watching();
        session.turningAway();
        session.pastStartup();
        assertThat(session.routing()).isFalse();

        assertThat(session.state()).isEqualTo(SessionState.CLOSED);
        assertEverythingGivenBack();
    }
}
