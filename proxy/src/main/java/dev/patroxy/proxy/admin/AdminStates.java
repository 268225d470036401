package dev.patroxy.proxy.admin;

import dev.patroxy.proxy.routing.ServerAdmin;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What operators set, kept for the life of the process by listener and server name rather than by configuration:
 * every generation's server of the same name shares one cell, so a reload keeps its admin state and weight, and a
 * disabled listener stays disabled. Thread-safe.
 */
public final class AdminStates {
    private final Map<String, AtomicReference<ServerAdmin>> servers = new ConcurrentHashMap<>();
    private final Set<String> disabledFrontends = ConcurrentHashMap.newKeySet();

    /** The cell of server {@code server} of listener {@code listener}, READY at weight 1 the first time it is asked for. */
    public AtomicReference<ServerAdmin> cell(String listener, String server) {
        return servers.computeIfAbsent(key(listener, server), k -> new AtomicReference<>(ServerAdmin.initial()));
    }

    public boolean frontendDisabled(String listener) {
        return disabledFrontends.contains(listener);
    }

    /** Records whether {@code listener} is disabled; returns whether that changed. */
    boolean disableFrontend(String listener, boolean disabled) {
        return disabled ? disabledFrontends.add(listener) : disabledFrontends.remove(listener);
    }

    static String key(String listener, String server) {
        return listener + "/" + server;
    }
}
