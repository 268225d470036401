package dev.patroxy.config;

/**
 * Process-wide settings (the {@code global} section).
 *
 * @param maxconn client sessions the whole proxy serves at once, 0 for no limit (HAProxy's global {@code maxconn})
 * @param io the socket engine the relay runs on
 * @param threads event-loop threads that carry the sessions, 0 for one per core
 * @param buffers how the relay allocates the buffers it reads into
 */
public record GlobalConfig(int maxconn, IoEngine io, int threads, BufferAllocator buffers) {
    public static final GlobalConfig DEFAULTS = new GlobalConfig(0, IoEngine.AUTO, 0, BufferAllocator.ADAPTIVE);

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
