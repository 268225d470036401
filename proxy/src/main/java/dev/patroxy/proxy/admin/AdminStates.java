package dev.patroxy.proxy.admin;

import dev.patroxy.proxy.routing.ServerAdmin;
import java.util.List;
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

    /** Every server's admin state, for a state file, in name order. */
    public List<AdminStateFile.Saved> saved() {
        return servers.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> {
            int slash = e.getKey().indexOf('/');
            ServerAdmin a = e.getValue().get();
            return new AdminStateFile.Saved(e.getKey().substring(0, slash), e.getKey().substring(slash + 1),
                    a.state(), a.weight(), a.initialWeight());
        }).toList();
    }

    /** Takes back what a state file kept, before the first configuration starts: state and weight of each server. */
    public void restore(List<AdminStateFile.Saved> saved) {
        for (AdminStateFile.Saved s : saved) {
            cell(s.listener(), s.server()).updateAndGet(a -> new ServerAdmin(s.state(), s.weight(), a.initialWeight(),
                    null));
        }
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
