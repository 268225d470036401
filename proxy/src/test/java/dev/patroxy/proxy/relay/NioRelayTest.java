package dev.patroxy.proxy.relay;

import dev.patroxy.config.GlobalConfig;

class NioRelayTest extends RelayTest {
    @Override
    Transport transport() {
        return Transport.of(
                new GlobalConfig(0, GlobalConfig.IoEngine.NIO, 0, GlobalConfig.BufferAllocator.ADAPTIVE));
    }
}
