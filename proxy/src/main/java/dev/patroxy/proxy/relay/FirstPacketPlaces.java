package dev.patroxy.proxy.relay;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy-wide bound on clients whose first packet patroxy is still reading. Each costs one socket and at most
 * {@value PgStartup#MAX_LENGTH} bytes, for at most {@code timeout client-hello}; past the bound, the newest client
 * is closed at once, so that a flood of silent clients cannot take the file descriptors that served sessions and
 * their server connections need.
 */
public final class FirstPacketPlaces {
    /** Kept for the listening sockets, the checks, the stats and the JVM's own files. */
    private static final long RESERVED_FILES = 256;

    private final int limit;
    private final AtomicInteger inUse = new AtomicInteger();

    public FirstPacketPlaces(int limit) {
        this.limit = limit;
    }

    /**
     * What the open-files limit leaves once each of the {@code maxconn} sessions has its two sockets (client and
     * server), and at least a quarter of the limit (a {@code maxconn} that needs more files than the limit allows is
     * never reached anyway); with no {@code maxconn}, half of the limit. With the 20,000 files here: 19,544 clients
     * at {@code maxconn} 100, 5,000 at {@code maxconn} 20,000.
     */
    public static FirstPacketPlaces fromOpenFilesLimit(int maxconn) {
        return new FirstPacketPlaces(forOpenFiles(openFilesLimit(), maxconn));
    }

    static int forOpenFiles(long openFiles, int maxconn) {
        long places = maxconn > 0 ? Math.max(openFiles / 4, openFiles - RESERVED_FILES - 2L * maxconn)
                : openFiles / 2;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, places));
    }

    /** The soft limit on open files; 4096 where the JVM cannot say. */
    public static long openFilesLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return 4096;
    }

    /** Takes a place; false, taking nothing, if all are taken. */
    boolean tryEnter() {
        while (true) {
            int now = inUse.get();
            if (now >= limit) {
                return false;
            }
            if (inUse.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void leave() {
        inUse.decrementAndGet();
    }

    public int limit() {
        return limit;
    }

    public int inUse() {
        return inUse.get();
    }
}
