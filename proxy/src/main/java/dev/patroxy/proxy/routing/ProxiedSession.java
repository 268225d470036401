package dev.patroxy.proxy.routing;

/** A client session relayed to a server, as routing sees it: something it may have to cut. */
public interface ProxiedSession {
    /** Closes both sides at once. */
    void kill();
}
