package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.HoldQueue;

/**
 * Where a client session is in its life; {@link SessionLifecycle} moves it from one to the next. A state records
 * only what a session must withdraw from if it ends there; the places and counters it holds are the lifecycle's.
 */
sealed interface SessionState {
    /**
     * Accepted, its first packet being read by patroxy under {@code timeout client-hello}; holds only one of the
     * proxy's {@link FirstPacketPlaces}, none of its {@code maxconn} or startup places.
     */
    SessionState READING_FIRST_PACKET = new ReadingFirstPacket();
    /** Accepted, or given a place: taking its next place. */
    SessionState ACCEPTED = new Accepted();
    /** Holds all its places and counts as a session of its listener: a server is being picked or connected. */
    SessionState ROUTING = new Routing();
    /** Relayed to a server that has not answered its startup for good yet; the startup deadline runs. */
    SessionState WATCHING = new Watching();
    /** Answered 57P03 by patroxy itself once its startup message is read; the startup deadline runs. */
    SessionState TURNING_AWAY = new TurningAway();
    /** Past its startup: a relay like any other, its startup place given back. */
    SessionState RELAYING = new Relaying();
    /** Its client channel closed: everything it held is given back. */
    SessionState CLOSED = new Closed();

    record ReadingFirstPacket() implements SessionState {
    }

    record Accepted() implements SessionState {
    }

    /** Waiting, unread, for a place under {@code limit}: the startup limit, the proxy's or the listener's maxconn. */
    record WaitingForPlace(Admission limit, Admission.Waiter waiter) implements SessionState {
    }

    record Routing() implements SessionState {
    }

    /** Waiting for a place on a server at its {@code maxconn}, for at most {@code timeout queue}. */
    record QueuedOnServer(Backend backend, Admission.Waiter waiter) implements SessionState {
    }

    /** Waiting while no server takes sessions, for at most {@code timeout hold}. */
    record Held(HoldQueue queue, HoldQueue.Held held) implements SessionState {
    }

    record Watching() implements SessionState {
    }

    record TurningAway() implements SessionState {
    }

    record Relaying() implements SessionState {
    }

    record Closed() implements SessionState {
    }
}
