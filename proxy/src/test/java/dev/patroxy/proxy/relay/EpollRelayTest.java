package dev.patroxy.proxy.relay;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.patroxy.config.GlobalConfig;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.BeforeAll;

class EpollRelayTest extends RelayTest {
    @BeforeAll
    static void engineLoads() {
        assumeTrue(Epoll.isAvailable(), () -> "epoll not available here: " + Epoll.unavailabilityCause());
    }

    @Override
    Transport transport() {
        return Transport.of(
                GlobalConfig.DEFAULTS.withIo(GlobalConfig.IoEngine.EPOLL));
    }
}
