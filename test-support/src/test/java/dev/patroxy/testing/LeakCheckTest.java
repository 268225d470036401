package dev.patroxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeakCheckTest {
    @Test
    void aBufferDroppedWithoutReleaseIsReportedWithWhereItWasAllocated() {
        leakOneBuffer();

        List<String> leaks = LeakCheck.collect();
        for (int tries = 1; leaks.isEmpty() && tries < 10; tries++) {
            // The collector queues a lost buffer's reference on its own thread, possibly after the first look.
            leaks = LeakCheck.collect();
        }
        assertThat(leaks).singleElement().asString()
                .contains("ByteBuf.release() was not called")
                .contains(LeakCheckTest.class.getName() + ".leakOneBuffer");
    }

    @Test
    void releasedBuffersReportNothing() {
        ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        buffer.writeLong(42);
        buffer.release();

        assertThat(LeakCheck.collect()).isEmpty();
    }

    @Test
    void theTestJvmRecordsNettysReports() {
        assertThat(RecordingLeakDetector.installed()).isTrue();
    }

    private static void leakOneBuffer() {
        PooledByteBufAllocator.DEFAULT.directBuffer(16).writeLong(42);
    }
}
