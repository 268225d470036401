package dev.patroxy.proxy.admin;

import dev.patroxy.stats.StatsAdminActions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stats page's admin controls as the runtime API's commands: READY, DRAIN and MAINT are {@code set server B/S
 * state ...}, Kill Sessions is {@code shutdown sessions server B/S}, with the same answers and log lines.
 */
public final class StatsPageAdmin implements StatsAdminActions {
    private final AdminActions admin;

    public StatsPageAdmin(AdminActions admin) {
        this.admin = admin;
    }

    @Override
    public Map<String, String> apply(Action action, String listener, List<String> servers) {
        Map<String, String> errors = new LinkedHashMap<>();
        for (String server : servers) {
            errors.put(server, switch (action) {
                case READY -> admin.setServerState(listener, server, "ready");
                case DRAIN -> admin.setServerState(listener, server, "drain");
                case MAINT -> admin.setServerState(listener, server, "maint");
                case SHUTDOWN -> admin.shutdownSessions(listener, server);
            });
        }
        return errors;
    }
}
