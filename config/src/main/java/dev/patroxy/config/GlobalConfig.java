package dev.patroxy.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Process-wide settings (the {@code global} section).
 *
 * @param maxconn client sessions the whole proxy serves at once, 0 for no limit (HAProxy's global {@code maxconn})
 * @param io the socket engine the relay runs on
 * @param threads event-loop threads that carry the sessions, 0 for one per core
 * @param buffers how the relay allocates the buffers it reads into
 * @param reloadDrain how long sessions opened under the configuration a reload replaced may go on before they are
 *     cut; empty: until they end
 * @param keepalive TCP keep-alive probes on both sides of every session
 * @param maxconnStartup client sessions the whole proxy lets be in their startup at once (holding a place, not
 *     yet past the server's first answer or, on a primary listener, authentication), 0 for no limit; past it
 *     new clients wait, unread, and hold none of the proxy's {@code maxconn} places meanwhile
 */
public record GlobalConfig(int maxconn, IoEngine io, int threads, BufferAllocator buffers,
        Optional<Duration> reloadDrain, Keepalive keepalive, int maxconnStartup) {
    public static final Duration DEFAULT_RELOAD_DRAIN = Duration.ofMinutes(10);
    public static final GlobalConfig DEFAULTS = new GlobalConfig(0, IoEngine.AUTO, 0, BufferAllocator.ADAPTIVE,
            Optional.of(DEFAULT_RELOAD_DRAIN), Keepalive.DEFAULTS, 0);

    /**
     * Unset, half of {@code maxconn} (none without one): a flood of clients that never finish their startup then
     * leaves the other half to clients that do.
     */
    public static int defaultMaxconnStartup(int maxconn) {
        return (maxconn + 1) / 2;
    }

    /**
     * TCP keep-alive: after {@code idle} without traffic, a probe every {@code interval}; {@code count} unanswered
     * probes end the connection. Finds a peer that is gone (a client's host powered off, a node cut off) without
     * cutting a session that is merely idle, as an inactivity timeout would.
     */
    public record Keepalive(Duration idle, Duration interval, int count) {
        public static final Keepalive DEFAULTS = new Keepalive(Duration.ofSeconds(60), Duration.ofSeconds(10), 6);
    }

    /** The same settings with another engine (tests and benchmarks pick one). */
    public GlobalConfig withIo(IoEngine engine) {
        return new GlobalConfig(maxconn, engine, threads, buffers, reloadDrain, keepalive, maxconnStartup);
    }

    /** The same settings with {@code reload-drain} taken from {@code next}: all a reload changes here. */
    public GlobalConfig withReloadDrainOf(GlobalConfig next) {
        return new GlobalConfig(maxconn, io, threads, buffers, next.reloadDrain, keepalive, maxconnStartup);
    }

    /** Whether {@code other} differs only in what a reload can change ({@code reload-drain}). */
    public boolean sameExceptReloadDrain(GlobalConfig other) {
        return equals(other.withReloadDrainOf(this));
    }

    /** The socket engine; {@code auto} is epoll where it loads and Java NIO elsewhere. */
    public enum IoEngine {
        AUTO("auto"), EPOLL("epoll"), IO_URING("io_uring"), NIO("nio");

        private final String configName;

        IoEngine(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }

    /** Netty's two pooling allocators: adaptive (its default since 4.2) and the older pooled arenas. */
    public enum BufferAllocator {
        ADAPTIVE("adaptive"), POOLED("pooled");

        private final String configName;

        BufferAllocator(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }
}
