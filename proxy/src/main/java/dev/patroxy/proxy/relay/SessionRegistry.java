package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.admin.SessionInfo;
import io.netty.channel.Channel;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Every client session open now, each with an id unique for the life of the process, for {@code show sess} and
 * {@code shutdown session}. One entry is added as a client is accepted and removed as it closes: a map operation per
 * session, nothing per byte beyond the two counters {@link TrackedSession} keeps. Thread-safe: event loops add and
 * remove, the runtime API's caller reads and closes.
 */
public final class SessionRegistry {
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<Long, TrackedSession> open = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    /** @param nanoTime the monotonic clock ages are measured on */
    public SessionRegistry(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Tracks {@code client} of listener {@code frontend} until its channel closes. */
    TrackedSession opened(String frontend, Channel client) {
        TrackedSession session = new TrackedSession(nextId.getAndIncrement(), frontend, client,
                nanoTime.getAsLong());
        open.put(session.id(), session);
        client.closeFuture().addListener(f -> open.remove(session.id()));
        return session;
    }

    /** The sessions open now, oldest first. */
    public List<SessionInfo> sessions() {
        long now = nanoTime.getAsLong();
        return open.values().stream().map(s -> s.info(now)).sorted(Comparator.comparingLong(SessionInfo::id))
                .toList();
    }

    /** Closes session {@code id}; false if no such session is open. */
    public boolean shutdown(long id) {
        TrackedSession session = open.get(id);
        if (session == null) {
            return false;
        }
        session.shutdown();
        return true;
    }
}
