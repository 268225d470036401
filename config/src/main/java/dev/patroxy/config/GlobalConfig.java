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
 */
public record GlobalConfig(int maxconn, IoEngine io, int threads, BufferAllocator buffers,
        Optional<Duration> reloadDrain) {
    public static final Duration DEFAULT_RELOAD_DRAIN = Duration.ofMinutes(10);
    public static final GlobalConfig DEFAULTS = new GlobalConfig(0, IoEngine.AUTO, 0, BufferAllocator.ADAPTIVE,
            Optional.of(DEFAULT_RELOAD_DRAIN));

    /** The same settings with another engine (tests and benchmarks pick one). */
    public GlobalConfig withIo(IoEngine engine) {
        return new GlobalConfig(maxconn, engine, threads, buffers, reloadDrain);
    }

    /** Whether {@code other} differs only in what a reload can change ({@code reload-drain}). */
    public boolean sameExceptReloadDrain(GlobalConfig other) {
        return maxconn == other.maxconn && io == other.io && threads == other.threads && buffers == other.buffers;
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
