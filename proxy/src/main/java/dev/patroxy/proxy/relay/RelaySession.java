package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.routing.ProxiedSession;
import io.netty.channel.Channel;

/** A client channel and the server channel it is relayed to. */
final class RelaySession implements ProxiedSession {
    private final Channel client;
    private final Channel server;

    RelaySession(Channel client, Channel server) {
        this.client = client;
        this.server = server;
    }

    @Override
    public void kill() {
        client.close();
        server.close();
    }
}
