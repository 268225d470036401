package dev.patroxy.proxy.relay;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.patroxy.config.GlobalConfig;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.BeforeAll;

class IoUringRelayTest extends RelayTest {
    @BeforeAll
    static void engineLoads() {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring not available here: " + IoUring.unavailabilityCause());
    }

    @Override
    Transport transport() {
        return Transport.of(
                GlobalConfig.DEFAULTS.withIo(GlobalConfig.IoEngine.IO_URING));
    }
}
