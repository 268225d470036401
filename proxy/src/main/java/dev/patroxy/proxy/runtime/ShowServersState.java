package dev.patroxy.proxy.runtime;

import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.stats.AdminState;
import dev.patroxy.stats.CheckResult;
import dev.patroxy.stats.ListenerStats;
import dev.patroxy.stats.ServerStats;
import dev.patroxy.stats.StatsSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code show servers state [<backend>]}: HAProxy 2.6's server-state format, version 1, one line per server of each
 * listener, ids numbered as {@code show stat} numbers them. {@code srv_admin_state} carries HAProxy's flags for what
 * an operator set (forced MAINT, forced DRAIN), {@code srv_uweight} the weight now and {@code srv_iweight} the one
 * the server started with (1: patroxy's configuration has no weights).
 */
final class ShowServersState {
    static final String HEADER = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight"
            + " srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health"
            + " srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl"
            + " srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n";
    /** HAProxy's {@code enum healthcheck_status}, by the status names patroxy's checks report. */
    private static final Map<String, Integer> CHECK_STATUS = Map.ofEntries(
            Map.entry("INI", 1), Map.entry("SOCKERR", 5), Map.entry("L4OK", 6), Map.entry("L4TOUT", 7),
            Map.entry("L4CON", 8), Map.entry("L6OK", 9), Map.entry("L6TOUT", 10), Map.entry("L6RSP", 11),
            Map.entry("L7TOUT", 12), Map.entry("L7RSP", 13), Map.entry("L7OK", 15), Map.entry("L7OKC", 16),
            Map.entry("L7STS", 17));
    /** HAProxy's {@code SRV_ST_STOPPED} and {@code SRV_ST_RUNNING}. */
    private static final int STOPPED = 0;
    private static final int RUNNING = 2;
    /** HAProxy's {@code SRV_ADMF_FMAINT} and {@code SRV_ADMF_FDRAIN}. */
    private static final int FORCED_MAINT = 0x01;
    private static final int FORCED_DRAIN = 0x08;
    private static final int INITIAL_WEIGHT = 1;
    /** HAProxy's {@code CHK_RES_*}. */
    private static final int RESULT_UNKNOWN = 0;
    private static final int RESULT_FAILED = 2;
    private static final int RESULT_PASSED = 3;
    /** {@code CHK_ST_CONFIGURED | CHK_ST_ENABLED}: a check that runs. */
    private static final int CHECK_RUNS = 0x02 | 0x04;
    private static final Pattern IP_ADDRESS = Pattern.compile("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%a-zA-Z]*");

    private ShowServersState() {
    }

    /** @param backend the one listener to show, or null for all */
    static String render(StatsSnapshot snapshot, PatroxyConfig config, String backend) {
        List<ListenerStats> listeners = snapshot.listeners();
        if (backend != null && listeners.stream().noneMatch(l -> l.name().equals(backend))) {
            return "Can't find backend.\n";
        }
        StringBuilder out = new StringBuilder(HEADER);
        for (int i = 0; i < listeners.size(); i++) {
            ListenerStats listener = listeners.get(i);
            Optional<ListenerConfig> listenerConfig = config.listeners().stream()
                    .filter(l -> l.name().equals(listener.name())).findFirst();
            if (listenerConfig.isEmpty() || backend != null && !backend.equals(listener.name())) {
                continue;
            }
            int serverId = 0;
            for (ServerStats server : listener.servers()) {
                serverId++;
                Optional<ServerConfig> serverConfig = listenerConfig.get().servers().stream()
                        .filter(s -> s.name().equals(server.name())).findFirst();
                if (serverConfig.isPresent()) {
                    line(out, i + 1, listener.name(), serverId, server, serverConfig.get(), listenerConfig.get(),
                            snapshot);
                }
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, int backendId, String backend, int serverId, ServerStats server,
            ServerConfig config, ListenerConfig listener, StatsSnapshot snapshot) {
        String host = config.address().host();
        boolean named = !IP_ADDRESS.matcher(host).matches();
        String checkHost = config.checkAddress().host();
        Optional<CheckConfig> check = listener.check();
        CheckResult last = server.lastCheck();
        long sinceChange = Math.max(0, Duration.between(server.lastChange(), snapshot.takenAt()).toSeconds());
        out.append(backendId).append(' ').append(backend).append(' ').append(serverId).append(' ')
                .append(server.name()).append(' ').append(host).append(' ')
                .append(server.state().isUp() && server.admin() != AdminState.MAINT ? RUNNING : STOPPED).append(' ')
                .append(adminFlags(server.admin())).append(' ').append(server.weight()).append(' ')
                .append(INITIAL_WEIGHT).append(' ')
                .append(sinceChange).append(' ')
                .append(check.isPresent() ? CHECK_STATUS.getOrDefault(last.status(), 0) : 0).append(' ')
                .append(check.isEmpty() || last.status().equals("INI") ? RESULT_UNKNOWN
                        : last.passed() ? RESULT_PASSED : RESULT_FAILED).append(' ')
                .append(check.map(c -> health(server, c)).orElse(0)).append(' ')
                .append(check.isPresent() ? CHECK_RUNS : 0).append(' ')
                .append("0 0 0 ")
                .append(named ? host : "-").append(' ')
                .append(config.address().port()).append(' ')
                .append("- 0 ")
                .append(check.isPresent() ? config.checkAddress().port() : 0).append(' ')
                .append(check.isPresent() && !checkHost.equals(host) ? checkHost : "-").append(' ')
                .append("- 0\n");
    }

    private static int adminFlags(AdminState admin) {
        return switch (admin) {
            case READY -> 0;
            case DRAIN -> FORCED_DRAIN;
            case MAINT -> FORCED_MAINT;
        };
    }

    /**
     * HAProxy's health counter, 0 to {@code rise + fall - 1}, UP from {@code rise} on: a server going down ({@code UP
     * 2/3}) is {@code rise} plus what it has left of {@code fall}, less one; one going up ({@code DOWN 1/2}) has its
     * passed checks.
     */
    private static int health(ServerStats server, CheckConfig check) {
        return switch (server.state()) {
            case UP -> check.rise() + check.fall() - 1;
            case GOING_DOWN -> check.rise() + server.health() - 1;
            case GOING_UP -> server.health();
            case DOWN, NOLB -> 0;
        };
    }
}
