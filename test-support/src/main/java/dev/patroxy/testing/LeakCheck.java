package dev.patroxy.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test after which Netty reports a leaked buffer. Registered for every test through JUnit's extension
 * autodetection ({@code junit.jupiter.extensions.autodetection.enabled}). Netty only notices a leak when a
 * buffer it tracked has been garbage-collected and a later allocation looks at its queue, so after each test this
 * runs the collector once and allocates a few tracked buffers (one collection, to keep the suite fast: a leak the
 * collector queues late is reported after the next test instead, its allocation site in the report).
 * <p>
 * Netty tracks only what its allocators hand out as leak-aware buffers: pooled and adaptive ones, and unpooled
 * direct ones. {@code Unpooled.buffer(...)} (plain heap arrays) is never tracked; tests of code that holds such
 * buffers check {@code refCnt()} themselves.
 */
public final class LeakCheck implements BeforeAllCallback, AfterEachCallback {
    private static final int ALLOCATIONS = 8;

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!RecordingLeakDetector.installed()) {
            throw new IllegalStateException("this test JVM does not record Netty's leak reports: surefire's argLine"
                    + " needs ${netty.guards} (see the root pom.xml)");
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> leaks = collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " leaked Netty buffer(s) reported after "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }

    /** Runs Netty's leak detection now and returns (and forgets) every leak it reported since the last call. */
    public static List<String> collect() {
        System.gc();
        for (int i = 0; i < ALLOCATIONS; i++) {
            // Each tracked allocation makes the detector drain the references the collector has queued.
            ByteBufAllocator.DEFAULT.buffer(1).release();
            PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
            UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        }
        return RecordingLeakDetector.takeReports();
    }
}
