package dev.patroxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BlockingCheckTest {
    private final EventLoopGroup loops = new DefaultEventLoopGroup(1);

    @AfterEach
    void stopLoops() {
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aSleepOnAnEventLoopIsRecordedWithItsThreadAndStack() throws Exception {
        loops.submit(() -> {
            Thread.sleep(1);
            return null;
        }).get();

        List<String> calls = BlockingCheck.takeCalls();
        assertThat(calls).singleElement().asString()
                .contains("java.lang.Thread.sleep")
                .contains("defaultEventLoopGroup")
                .contains(BlockingCheckTest.class.getName());
    }

    @Test
    void aHostNameLookupOnAnEventLoopIsRecorded() throws Exception {
        loops.submit(() -> new InetSocketAddress("localhost", 5432)).get();

        assertThat(BlockingCheck.takeCalls()).isNotEmpty().first().asString().contains("lookupAllHostAddr");
    }

    @Test
    void theSameCallOffTheEventLoopsIsFine() throws Exception {
        Thread.sleep(1);
        Thread other = new Thread(() -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.start();
        other.join();

        assertThat(BlockingCheck.takeCalls()).isEmpty();
    }
}
