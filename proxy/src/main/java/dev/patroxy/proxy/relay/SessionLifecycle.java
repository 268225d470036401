package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.HoldQueue;
import dev.patroxy.proxy.routing.TrafficCounters;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import java.util.List;

/**
 * The life of one client session as a state machine ({@link SessionState}), and the one place that gives back what
 * it holds: its places under the startup limit and the {@code maxconn} limits, its count as a listener session, and
 * whatever queue it waits in. It listens to the client channel's close, whatever closed it, and gives everything
 * back once; each server connection gives its own server's place back when it closes ({@link ServerLeg}).
 * Runs on the client's event loop.
 *
 * <pre>
 * READING_FIRST_PACKET --read whole--> ACCEPTED
 * ACCEPTED --place taken--> ACCEPTED ... --all places--> ROUTING
 * ACCEPTED --limit full--> WaitingForPlace --place given--> ACCEPTED
 * ROUTING --server full--> QueuedOnServer --place given--> ROUTING
 * ROUTING --no server, or every attempt refused--> Held --released / hold over--> ROUTING
 * ROUTING --connected, watched--> WATCHING --answered for good--> RELAYING
 * ROUTING --connected, not watched (timeout hold none)--> RELAYING
 * WATCHING --turned away by the server (57P03, in recovery)--> Held, or TURNING_AWAY once the hold is over
 * ROUTING --hold over--> TURNING_AWAY
 * any --client channel closed--> CLOSED
 * </pre>
 * Each waiting state has its own deadline: {@code timeout client-hello} for READING_FIRST_PACKET (it holds only
 * one of the proxy's places for clients in their first packet), none for WaitingForPlace (it reads nothing, and
 * holds at most its listener's place and a startup place, never one of the proxy's {@code maxconn}),
 * {@code timeout queue} for QueuedOnServer, {@code timeout hold} for Held, {@code timeout connect} per attempt in
 * ROUTING, and {@code timeout client-startup} for WATCHING and TURNING_AWAY, the states in which patroxy waits
 * for the client.
 */
final class SessionLifecycle implements ChannelFutureListener {
    private final List<Admission> limits;
    /** Which of {@link #limits} is the startup limit, whose place is given back past the startup. */
    private final int startupIndex;
    private final TrafficCounters frontend;
    private final FirstPacketPlaces firstPacketPlaces;
    private SessionState state = SessionState.ACCEPTED;
    /** Places taken so far: {@code limits[0..entered)}. */
    private int entered;
    /** Whether the startup place was given back when the session got past its startup. */
    private boolean startupPlaceLeft;
    private boolean counted;

    /**
     * @param limits the places a client must take, in order; one list shared by a listener's sessions
     * @param startupIndex which of them is the limit on sessions not past their startup yet
     * @param frontend the listener's session counters, counting the session once it has every place
     * @param firstPacketPlaces the proxy's bound on clients whose first packet is being read
     */
    SessionLifecycle(List<Admission> limits, int startupIndex, TrafficCounters frontend,
            FirstPacketPlaces firstPacketPlaces) {
        this.limits = limits;
        this.startupIndex = startupIndex;
        this.frontend = frontend;
        this.firstPacketPlaces = firstPacketPlaces;
    }

    /**
     * Takes one of the proxy's places for clients in their first packet (READING_FIRST_PACKET); false, taking
     * nothing, if all are taken.
     */
    boolean readingFirstPacket() {
        if (state != SessionState.ACCEPTED || !firstPacketPlaces.tryEnter()) {
            return false;
        }
        state = SessionState.READING_FIRST_PACKET;
        return true;
    }

    /** Whether patroxy is still reading the client's first packet. */
    boolean inFirstPacket() {
        return state == SessionState.READING_FIRST_PACKET;
    }

    /** The first packet is read whole: its place is given back, and the session goes on to take its places. */
    void firstPacketRead() {
        if (state == SessionState.READING_FIRST_PACKET) {
            firstPacketPlaces.leave();
            state = SessionState.ACCEPTED;
        }
    }

    SessionState state() {
        return state;
    }

    /** Whether the session has every place it needs: it is counted and may be routed. */
    boolean hasAllPlaces() {
        return entered == limits.size();
    }

    /**
     * Takes the next place, or queues {@code waiter} for it (WaitingForPlace).
     *
     * @return whether the place was taken now
     */
    boolean enterNext(Admission.Waiter waiter) {
        Admission limit = limits.get(entered);
        if (limit.enterOrQueue(waiter)) {
            entered++;
            return true;
        }
        state = new SessionState.WaitingForPlace(limit, waiter);
        return false;
    }

    /** The place waited for came; false, with the place given back, if the session ended first. */
    boolean placeGiven() {
        Admission limit = limits.get(entered);
        if (state == SessionState.CLOSED) {
            limit.leave();
            return false;
        }
        entered++;
        state = SessionState.ACCEPTED;
        return true;
    }

    /** Every place is taken: the session counts as one of its listener's. */
    void admitted() {
        counted = true;
        frontend.sessionOpened();
        state = SessionState.ROUTING;
    }

    void queuedOnServer(Backend backend, Admission.Waiter waiter) {
        state = new SessionState.QueuedOnServer(backend, waiter);
    }

    /** A place on {@code backend} came; false, with the place given back, if the session ended first. */
    boolean serverPlaceGiven(Backend backend) {
        if (state == SessionState.CLOSED) {
            backend.admission().leave();
            return false;
        }
        state = SessionState.ROUTING;
        return true;
    }

    void held(HoldQueue queue, HoldQueue.Held held) {
        state = new SessionState.Held(queue, held);
    }

    /** Routing again (out of a hold, or a server that turned the session away); false if the session ended. */
    boolean routing() {
        if (state == SessionState.CLOSED) {
            return false;
        }
        state = SessionState.ROUTING;
        return true;
    }

    void watching() {
        if (state != SessionState.CLOSED) {
            state = SessionState.WATCHING;
        }
    }

    void turningAway() {
        if (state != SessionState.CLOSED) {
            state = SessionState.TURNING_AWAY;
        }
    }

    /** The server answered the startup for good: the startup place goes to the next session waiting for one. */
    void pastStartup() {
        if (state == SessionState.CLOSED || state == SessionState.RELAYING) {
            return;
        }
        state = SessionState.RELAYING;
        leaveStartupPlace();
    }

    /** Whether the startup deadline applies now (the client's startup, or authentication while watched). */
    boolean inStartup() {
        return state == SessionState.WATCHING || state == SessionState.TURNING_AWAY;
    }

    private void leaveStartupPlace() {
        if (entered > startupIndex && !startupPlaceLeft) {
            startupPlaceLeft = true;
            limits.get(startupIndex).leave();
        }
    }

    /** The client channel closed: gives everything back, once. */
    @Override
    public void operationComplete(ChannelFuture future) {
        ended();
    }

    void ended() {
        SessionState last = state;
        if (last == SessionState.CLOSED) {
            return;
        }
        state = SessionState.CLOSED;
        // A waiter whose place or release is already on its way finds the session CLOSED and gives it back.
        if (last == SessionState.READING_FIRST_PACKET) {
            firstPacketPlaces.leave();
        } else if (last instanceof SessionState.WaitingForPlace waiting) {
            waiting.limit().withdraw(waiting.waiter());
        } else if (last instanceof SessionState.QueuedOnServer queued) {
            queued.backend().admission().withdraw(queued.waiter());
        } else if (last instanceof SessionState.Held held) {
            held.queue().withdraw(held.held());
        }
        leaveStartupPlace();
        for (int i = entered - 1; i >= 0; i--) {
            if (i != startupIndex) {
                limits.get(i).leave();
            }
        }
        if (counted) {
            frontend.sessionClosed();
        }
    }

    /**
     * One connection to a server: holds a place on it from the moment the place is taken, and counts as one of its
     * sessions once relayed; gives both back when the connection closes, once.
     */
    static final class ServerLeg implements ChannelFutureListener {
        private final Backend backend;
        private RelaySession session;
        private boolean closed;

        ServerLeg(Backend backend) {
            this.backend = backend;
        }

        Backend backend() {
            return backend;
        }

        /**
         * Registers the relayed session with the server (so that it can be killed) and counts it; false if the
         * server no longer takes sessions, or the connection already closed.
         */
        boolean relaying(RelaySession relayed) {
            if (closed || !backend.register(relayed)) {
                return false;
            }
            session = relayed;
            backend.traffic().sessionOpened();
            return true;
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            closed();
        }

        void closed() {
            if (closed) {
                return;
            }
            closed = true;
            backend.admission().leave();
            if (session != null) {
                backend.traffic().sessionClosed();
                backend.unregister(session);
            }
        }
    }
}
