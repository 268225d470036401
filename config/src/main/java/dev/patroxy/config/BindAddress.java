package dev.patroxy.config;

import java.net.InetSocketAddress;

/**
 * Where a listener accepts connections; a null {@code host} means every local address ({@code *:5000}).
 */
public record BindAddress(String host, int port) {

    public InetSocketAddress toSocketAddress() {
        return host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host == null ? "*:" + port : new HostPort(host, port).toString();
    }
}
