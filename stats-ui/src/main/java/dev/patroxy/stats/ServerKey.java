package dev.patroxy.stats;

/** A server within a listener: the {@code proxy} and {@code server} labels of its series. */
record ServerKey(String proxy, String server) {
}
