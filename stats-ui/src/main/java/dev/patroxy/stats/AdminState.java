package dev.patroxy.stats;

/**
 * What an operator set a server to (HAProxy's admin state), apart from what its health check says. {@code READY}
 * takes sessions as its health allows; {@code DRAIN} keeps its sessions and takes no new ones; {@code MAINT} takes
 * none and its sessions are cut.
 */
public enum AdminState {
    READY,
    DRAIN,
    MAINT
}
