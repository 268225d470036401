package dev.patroxy.proxy.relay;

import dev.patroxy.config.GlobalConfig;

class NioRelayTest extends RelayTest {
    @Override
    Transport transport() {
        return Transport.of(
                GlobalConfig.DEFAULTS.withIo(GlobalConfig.IoEngine.NIO));
    }
}
