package dev.patroxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class LeakCheckTest {
    @Test
    void aBufferDroppedWithoutReleaseIsReportedWithWhereItWasAllocated() {
        leakOneBuffer();

        assertThat(LeakCheck.collect()).singleElement().asString()
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
