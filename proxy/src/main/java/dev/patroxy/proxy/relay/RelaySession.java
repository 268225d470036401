package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.routing.ProxiedSession;
import io.netty.channel.Channel;

/** A client channel and the server channel it is relayed to. */
final class RelaySession implements ProxiedSession {
    private final Channel client;
    private final Channel server;
    private final SessionLog log;

    RelaySession(Channel client, Channel server, SessionLog log) {
        this.client = client;
        this.server = server;
        this.log = log;
    }

    @Override
    public void kill() {
        log.end(SessionLog.Termination.KILLED);
        client.close();
        server.close();
    }
}
