package dev.patroxy.stats;

import java.net.InetSocketAddress;

/** The stats server could not listen on one of its addresses. */
public final class StatsBindException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final InetSocketAddress address;

    StatsBindException(InetSocketAddress address, Throwable cause) {
        super("Cannot listen for stats on " + address + ": " + cause.getMessage(), cause);
        this.address = address;
    }

    public InetSocketAddress address() {
        return address;
    }
}
