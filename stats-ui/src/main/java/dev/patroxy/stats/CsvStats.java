package dev.patroxy.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * HAProxy's stats CSV ({@code show stat}, {@code /;csv}; haproxy doc/management.txt section 9.1), so that tools
 * written for HAProxy read patroxy unchanged.
 *
 * <p>The columns are HAProxy 2.6's fixed ones, {@code pxname} to {@code agg_check_status}; the per-module columns
 * HAProxy appends after them (SSL, HTTP/2, HTTP/1) are left out. A field stays empty where HAProxy leaves it empty for
 * that row type, where patroxy does not measure the value (rates, response errors) and where a limit is not set
 * ({@code slim} without {@code maxconn}; {@code qlimit} always, patroxy's queues have no length limit); a 0 is written
 * only where 0 is true (patroxy never retries, redispatches or denies requests).
 *
 * <p>Queue times ({@code qtime}) are in milliseconds, like HAProxy's; the BACKEND row's is estimated from its
 * servers' (see {@link BackendTotals}). The BACKEND row's {@code qcur} sums its servers' queues, and its {@code qmax}
 * stays empty: HAProxy's is the backend's own queue, which patroxy does not have, and the servers' maxima neither add
 * up nor bound the most that waited at once.
 */
public final class CsvStats {
    /** HAProxy 2.6's columns, in order. */
    static final List<String> COLUMNS = List.of(
            "pxname", "svname", "qcur", "qmax", "scur", "smax", "slim", "stot", "bin", "bout",
            "dreq", "dresp", "ereq", "econ", "eresp", "wretr", "wredis", "status", "weight", "act",
            "bck", "chkfail", "chkdown", "lastchg", "downtime", "qlimit", "pid", "iid", "sid", "throttle",
            "lbtot", "tracked", "type", "rate", "rate_lim", "rate_max", "check_status", "check_code", "check_duration",
            "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other", "hanafail",
            "req_rate", "req_rate_max", "req_tot", "cli_abrt", "srv_abrt",
            "comp_in", "comp_out", "comp_byp", "comp_rsp", "lastsess", "last_chk", "last_agt",
            "qtime", "ctime", "rtime", "ttime", "agent_status", "agent_code", "agent_duration",
            "check_desc", "agent_desc", "check_rise", "check_fall", "check_health",
            "agent_rise", "agent_fall", "agent_health", "addr", "cookie", "mode", "algo",
            "conn_rate", "conn_rate_max", "conn_tot", "intercepted", "dcon", "dses", "wrew", "connect", "reuse",
            "cache_lookups", "cache_hits", "srv_icur", "src_ilim", "qtime_max", "ctime_max", "rtime_max", "ttime_max",
            "eint", "idle_conn_cur", "safe_conn_cur", "used_conn_cur", "need_conn_est", "uweight",
            "agg_server_status", "agg_server_check_status", "agg_check_status");

    private static final Map<String, Integer> POSITIONS = positions();

    /** HAProxy's {@code type} column. */
    private static final int TYPE_FRONTEND = 0;
    private static final int TYPE_BACKEND = 1;
    private static final int TYPE_SERVER = 2;

    /** HAProxy's {@code pid} is the relative process number, 1 since HAProxy runs a single process. */
    private static final int PROCESS_NUMBER = 1;

    /** Which rows {@code show stat <iid> <type> <sid>} asks for: HAProxy's proxy id, type bits and server id. */
    public record Selection(int proxyId, int types, int serverId) {
        /** {@code -1 -1 -1}: every row. */
        public static final Selection ALL = new Selection(-1, -1, -1);
        private static final int FRONTENDS = 1;
        private static final int BACKENDS = 2;
        private static final int SERVERS = 4;

        /** HAProxy's server id selects among servers only: a selected proxy's FRONTEND and BACKEND rows stay. */
        boolean selects(Row row) {
            int bit = switch (row.type) {
                case TYPE_FRONTEND -> FRONTENDS;
                case TYPE_BACKEND -> BACKENDS;
                default -> SERVERS;
            };
            return (proxyId == -1 || proxyId == row.proxyId) && (types & bit) != 0
                    && (serverId == -1 || row.type != TYPE_SERVER || serverId == row.serverId);
        }
    }

    public String render(StatsSnapshot snapshot) {
        return render(snapshot, Selection.ALL);
    }

    /** The CSV of the rows {@code selection} names, the header line always. */
    public String render(StatsSnapshot snapshot, Selection selection) {
        StringBuilder out = new StringBuilder(256 * (1 + snapshot.listeners().size() * 4));
        out.append("# ").append(String.join(",", COLUMNS)).append(",\n");
        rows(snapshot).stream().filter(selection::selects).forEach(row -> row.appendTo(out));
        return out.toString();
    }

    /**
     * {@code show stat typed}: one line per non-empty field, {@code T.iid.sid.pos.name.process:tags:type:value}, T
     * being {@code F}, {@code B} or {@code S} (HAProxy's layout; see {@link #tags} for what the tags say).
     */
    public String renderTyped(StatsSnapshot snapshot, Selection selection) {
        StringBuilder out = new StringBuilder();
        for (Row row : rows(snapshot)) {
            if (selection.selects(row)) {
                row.appendTypedTo(out);
            }
        }
        return out.toString();
    }

    private static List<Row> rows(StatsSnapshot snapshot) {
        List<Row> rows = new ArrayList<>();
        int proxyId = 0;
        for (ListenerStats listener : snapshot.listeners()) {
            proxyId++;
            rows.add(frontend(listener, proxyId));
            int serverId = 0;
            for (ServerStats server : listener.servers()) {
                rows.add(server(listener, server, proxyId, ++serverId, snapshot));
            }
            rows.add(backend(listener, proxyId));
        }
        return rows;
    }

    /**
     * HAProxy's field tags (origin, nature, scope) as {@code show stat typed} prints them: keys and names, configured
     * limits, maxima, gauges, durations, status text, and counters for the rest.
     */
    static String tags(String column, String value) {
        if (column.equals("pxname") || column.equals("svname")) {
            return "KNS";
        }
        if (Set.of("pid", "iid", "sid", "type", "tracked").contains(column)) {
            return "KGP";
        }
        if (Set.of("slim", "qlimit", "rate_lim", "src_ilim", "check_rise", "check_fall", "agent_rise",
                "agent_fall").contains(column)) {
            return "CLS";
        }
        if (column.endsWith("max") || column.endsWith("_max")) {
            return "MMP";
        }
        if (Set.of("check_duration", "agent_duration", "lastchg", "downtime", "lastsess", "qtime", "ctime", "rtime",
                "ttime").contains(column)) {
            return "MDP";
        }
        if (!isNumber(value)) {
            return Set.of("addr", "cookie", "mode", "algo").contains(column) ? "COS" : "SOS";
        }
        if (column.endsWith("cur") || column.endsWith("_cur") || Set.of("act", "bck", "weight", "uweight",
                "throttle", "check_health", "agent_health", "rate", "req_rate", "conn_rate", "check_code",
                "agent_code").contains(column)) {
            return "MGP";
        }
        return "MCP";
    }

    private static boolean isNumber(String value) {
        return !value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static Row frontend(ListenerStats listener, int proxyId) {
        FrontendStats frontend = listener.frontend();
        return new Row()
                .set("pxname", listener.name())
                .set("svname", "FRONTEND")
                .set("scur", frontend.currentSessions())
                .set("smax", frontend.maxSessions())
                .setLimit("slim", frontend.sessionLimit())
                .set("stot", frontend.totalSessions())
                .set("bin", frontend.bytesIn())
                .set("bout", frontend.bytesOut())
                .set("dreq", 0)
                .set("dresp", 0)
                .set("ereq", 0)
                .set("status", frontend.statusText())
                .set("pid", PROCESS_NUMBER)
                .set("iid", proxyId)
                .set("sid", 0)
                .set("type", TYPE_FRONTEND)
                .set("mode", "tcp")
                // Clients turned away for want of a server: promex exposes dcon as denied_connections_total.
                .set("dcon", frontend.refused());
    }

    private static Row server(ListenerStats listener, ServerStats server, int proxyId, int serverId,
            StatsSnapshot snapshot) {
        CheckResult check = server.lastCheck();
        Row row = new Row()
                .set("pxname", listener.name())
                .set("svname", server.name())
                .set("qcur", server.queueCurrent())
                .set("qmax", server.queueMax())
                .set("scur", server.currentSessions())
                .set("smax", server.maxSessions())
                .setLimit("slim", server.sessionLimit())
                .set("stot", server.totalSessions())
                .set("bin", server.bytesIn())
                .set("bout", server.bytesOut())
                .set("dresp", 0)
                .set("econ", server.connectErrors())
                .set("wretr", 0)
                .set("wredis", 0)
                .set("status", server.statusText())
                // Effective weight: the listener only sends new sessions to routable servers.
                .set("weight", server.routable() ? server.weight() : 0)
                .set("uweight", server.weight())
                // HAProxy's act/bck say whether a server is active or backup, whatever its state; patroxy has no backups.
                .set("act", 1)
                .set("bck", 0)
                .set("chkfail", server.checkFailures())
                .set("chkdown", server.downTransitions())
                .set("lastchg", HumanFormat.elapsed(server.lastChange(), snapshot.takenAt()).toSeconds())
                .set("downtime", server.downtime().toSeconds())
                .set("pid", PROCESS_NUMBER)
                .set("iid", proxyId)
                .set("sid", serverId)
                .set("lbtot", server.totalSessions())
                .set("type", TYPE_SERVER)
                .set("check_status", check.status())
                .set("last_chk", check.detail())
                .set("qtime", server.queueTimeAverage().toMillis())
                .set("check_desc", CheckDescriptions.describe(check.status()))
                .set("addr", server.address())
                .set("mode", "tcp");
        if (check.code() > 0) {
            row.set("check_code", check.code());
        }
        if (CheckDescriptions.hasRun(check)) {
            row.set("check_duration", check.duration().toMillis());
        }
        return row;
    }

    private static Row backend(ListenerStats listener, int proxyId) {
        BackendTotals totals = BackendTotals.of(listener);
        return new Row()
                .set("pxname", listener.name())
                .set("svname", "BACKEND")
                .set("qcur", totals.queueCurrent())
                .set("scur", totals.currentSessions())
                .set("stot", totals.totalSessions())
                .set("bin", totals.bytesIn())
                .set("bout", totals.bytesOut())
                .set("dreq", 0)
                .set("dresp", 0)
                .set("econ", totals.connectErrors())
                .set("wretr", 0)
                .set("wredis", 0)
                .set("status", totals.status())
                // Backend weight and act count the servers taking new sessions, as HAProxy counts its UP servers.
                .set("weight", totals.activeServers())
                .set("act", totals.activeServers())
                .set("bck", 0)
                .set("pid", PROCESS_NUMBER)
                .set("iid", proxyId)
                .set("sid", 0)
                .set("lbtot", totals.totalSessions())
                .set("type", TYPE_BACKEND)
                .set("qtime", totals.queueTimeAverage().toMillis())
                .set("mode", "tcp")
                .set("algo", listener.balance());
    }

    private static Map<String, Integer> positions() {
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < COLUMNS.size(); i++) {
            positions.put(COLUMNS.get(i), i);
        }
        return Map.copyOf(positions);
    }

    /** One CSV line, filled by column name so that a field lands in its column or the build fails a test. */
    private static final class Row {
        private final String[] fields = new String[COLUMNS.size()];
        private int type;
        private int proxyId;
        private int serverId;

        Row() {
            Arrays.fill(fields, "");
        }

        Row set(String column, int value) {
            switch (column) {
                case "type" -> type = value;
                case "iid" -> proxyId = value;
                case "sid" -> serverId = value;
                default -> {
                }
            }
            return set(column, Long.toString(value));
        }

        void appendTypedTo(StringBuilder out) {
            char letter = type == TYPE_FRONTEND ? 'F' : type == TYPE_BACKEND ? 'B' : 'S';
            for (int i = 0; i < fields.length; i++) {
                String value = fields[i];
                if (value.isEmpty()) {
                    continue;
                }
                String kind = isNumber(value) ? (tags(COLUMNS.get(i), value).charAt(1) == 'C' ? "u64" : "u32")
                        : "str";
                out.append(letter).append('.').append(proxyId).append('.').append(serverId).append('.').append(i)
                        .append('.').append(COLUMNS.get(i)).append('.').append(PROCESS_NUMBER).append(':')
                        .append(tags(COLUMNS.get(i), value)).append(':').append(kind).append(':').append(value)
                        .append('\n');
            }
        }

        Row set(String column, long value) {
            return set(column, Long.toString(value));
        }

        /** A configured limit, left empty when there is none (0), as HAProxy does. */
        Row setLimit(String column, int limit) {
            return limit > 0 ? set(column, limit) : this;
        }

        Row set(String column, String value) {
            Integer position = POSITIONS.get(column);
            if (position == null) {
                throw new IllegalArgumentException("no CSV column " + column);
            }
            fields[position] = value;
            return this;
        }

        void appendTo(StringBuilder out) {
            for (String field : fields) {
                appendField(out, field);
                out.append(',');
            }
            out.append('\n');
        }

        /** Quotes only when needed (RFC 4180), like HAProxy; a check's detail may hold a comma. */
        private static void appendField(StringBuilder out, String field) {
            boolean needsQuotes = field.indexOf(',') >= 0 || field.indexOf('"') >= 0
                    || field.indexOf('\n') >= 0 || field.indexOf('\r') >= 0;
            if (needsQuotes) {
                out.append('"').append(field.replace("\"", "\"\"")).append('"');
            } else {
                out.append(field);
            }
        }
    }
}
