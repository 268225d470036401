package dev.patroxy.stats;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The stats page, after HAProxy's: a general information block, then one table per listener with a frontend row, one
 * row per server coloured by health, and a backend row with the totals. Plain HTML with an inline style sheet; it
 * reloads itself every refresh interval.
 *
 * <p>The columns follow HAProxy's where patroxy has the data: Queue (Cur, Max; no Limit, patroxy's queues have no
 * length limit), Sessions (Cur, Max, Limit, Total), Bytes, Denied, Errors, then the server's state. Errors adds
 * Q-tout, the sessions that gave up after {@code timeout queue}, which HAProxy counts among connection errors.
 *
 * <p>With admin controls (HAProxy's {@code stats admin}), each listener's table is a form: a checkbox before each
 * server's name and, under the table, HAProxy's action list; the form posts to the page, and the answer's redirect
 * brings the page back with a result bar.
 */
public final class HtmlStatsPage {
    static final String CSV_LINK = "/;csv";
    static final String JSON_LINK = "/;json";
    static final String METRICS_LINK = "/metrics";

    private static final String STYLE = """
            body { font-family: arial, helvetica, sans-serif; font-size: 12px; color: black; background: white; }
            h1 { font-size: x-large; margin-bottom: 0.5em; }
            h2 { font-size: x-large; font-style: italic; color: #6020a0; margin: 0; }
            h3 { font-size: 16px; color: #b00040; background: #e8e8d0; margin: 0; }
            hr { border-color: black; }
            th, td { font-size: 10px; }
            table.info td { vertical-align: top; padding-right: 2em; font-size: 12px; }
            table.lgd { border-collapse: collapse; }
            table.lgd td { border: 1px solid gray; padding: 2px; font-size: 12px; }
            table.lgd td.label { border: none; }
            table.tbl { border-collapse: collapse; width: 100%; margin-top: 0.5em; }
            table.tbl td { text-align: right; border: 1px solid gray; padding: 2px 3px; white-space: nowrap; }
            table.tbl td.ac { text-align: center; }
            table.tbl td.al { text-align: left; }
            table.tbl th { border: 1px solid gray; }
            table.changes { border-collapse: collapse; margin-top: 0.3em; }
            table.changes td, table.changes th { border: 1px solid gray; padding: 2px 3px; font-size: 12px; }
            .reload-failed, .warning { color: #c00000; }
            table.tbl th.pxname { background: #b00040; color: #ffff40; padding: 2px 3px; white-space: nowrap; width: 10%; }
            table.tbl th.desc { background: white; text-align: left; padding: 2px 3px; font-weight: normal; }
            .titre { background: #20d0d0; color: black; font-weight: bold; text-align: center; }
            .frontend, .backend { background: #e8e8d0; }
            .active_up { background: #c0ffc0; }
            .active_going_down { background: #ffffa0; }
            .active_going_up { background: #ffd020; }
            .active_nolb { background: #20a0ff; }
            .active_down { background: #ff9090; }
            .active_draining { background: #20a0ff; }
            .maintain { background: #c07820; }
            .routable { font-weight: bold; }
            div.result { border: 1px solid gray; padding: 2px 4px; margin: 0.5em 0; font-size: 12px; }
            div.result a { color: black; text-decoration: none; font-weight: bold; }
            span[title] { border-bottom: 1px dotted black; }
            """;

    private final Duration refresh;

    /** @param refresh how often the page reloads itself; zero turns reloading off */
    public HtmlStatsPage(Duration refresh) {
        this.refresh = Objects.requireNonNull(refresh, "refresh");
        if (refresh.isNegative()) {
            throw new IllegalArgumentException("the page refresh interval must not be negative: " + refresh);
        }
    }

    public String render(StatsSnapshot snapshot) {
        return render(snapshot, Optional.empty(), Optional.empty());
    }

    /**
     * @param adminFormToken with admin controls, the token each form carries; none: no controls
     * @param result the outcome of the admin action that redirected here, shown in a bar
     */
    String render(StatsSnapshot snapshot, Optional<String> adminFormToken, Optional<AdminResult> result) {
        StringBuilder html = new StringBuilder(8192);
        html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n")
                .append("<title>Statistics Report for patroxy</title>\n");
        if (!refresh.isZero()) {
            // The meta refresh takes whole seconds; round up so a sub-second interval still refreshes. It goes to
            // the page itself, so that an action's result bar is shown once.
            long seconds = Math.max(1, (refresh.toMillis() + 999) / 1000);
            html.append("<meta http-equiv=\"refresh\" content=\"").append(seconds)
                    .append(result.isPresent() ? "; url=/" : "").append("\">\n");
        }
        html.append("<style>\n").append(STYLE).append("</style></head>\n<body>\n");
        header(html, snapshot);
        result.ifPresent(r -> html.append("<div class=\"result ").append(r.rowClass())
                .append("\"><a href=\"/\" title=\"Remove this message\">[X]</a> ").append(escape(r.message()))
                .append("</div>\n"));
        for (ListenerStats listener : snapshot.listeners()) {
            listener(html, listener, snapshot, adminFormToken);
        }
        return html.append("</body></html>\n").toString();
    }

    private static void reload(StringBuilder html, ReloadStatus reload) {
        html.append("<br>\n<b>configuration loaded at = </b>").append(reload.loadedAt())
                .append(" (").append(reload.succeeded()).append(" reloads, ").append(reload.failed())
                .append(" refused)");
        if (reload.drainingSessions() > 0) {
            html.append("<br>\n<b>draining = </b>").append(reload.drainingSessions())
                    .append(" sessions of a replaced configuration");
        }
        if (!reload.lastSucceeded()) {
            html.append("<br>\n<span class=\"reload-failed\"><b>last reload refused at ")
                    .append(reload.lastFailureAt()).append(":</b> ").append(escape(reload.lastFailure()))
                    .append(" (the configuration loaded above stays in force)</span>");
        }
    }

    private static void dcs(StringBuilder html, DcsStatus dcs) {
        if (!dcs.configured()) {
            return;
        }
        html.append("<br>\n<b>DCS leader = </b>").append(escape(dcs.leader()))
                .append(" (").append(dcs.requestFailures()).append(" failed requests, ").append(dcs.errors())
                .append(" errors");
        if (dcs.lastError() != null) {
            html.append("; latest: ").append(escape(dcs.lastError()));
        }
        html.append(")");
        if (dcs.warning() != null) {
            html.append("<br>\n<span class=\"warning\"><b>warning:</b> ").append(escape(dcs.warning()))
                    .append("</span>");
        }
    }

    private static void header(StringBuilder html, StatsSnapshot snapshot) {
        html.append("<h1>patroxy version ").append(escape(snapshot.version())).append("</h1>\n")
                .append("<h2>Statistics Report for pid ").append(ProcessHandle.current().pid()).append("</h2>\n")
                .append("<hr>\n<h3>&gt; General process information</h3>\n")
                .append("<table class=\"info\"><tr><td>\n")
                .append("<b>uptime = </b>")
                .append(HumanFormat.uptime(HumanFormat.elapsed(snapshot.startedAt(), snapshot.takenAt())))
                .append("<br>\n<b>started at = </b>").append(snapshot.startedAt())
                .append("<br>\n<b>taken at = </b>").append(snapshot.takenAt());
        reload(html, snapshot.reload());
        dcs(html, snapshot.dcs());
        html.append("\n</td><td>\n")
                .append("<table class=\"lgd\">")
                .append("<tr><td class=\"active_up\">&nbsp;</td><td class=\"label\">UP</td></tr>")
                .append("<tr><td class=\"active_going_down\">&nbsp;</td><td class=\"label\">UP, going down</td></tr>")
                .append("<tr><td class=\"active_going_up\">&nbsp;</td><td class=\"label\">DOWN, going up</td></tr>")
                .append("<tr><td class=\"active_down\">&nbsp;</td><td class=\"label\">DOWN</td></tr>")
                .append("<tr><td class=\"active_nolb\">&nbsp;</td><td class=\"label\">NOLB: healthy,")
                .append(" not in this listener's role</td></tr>")
                .append("<tr><td class=\"active_draining\">&nbsp;</td><td class=\"label\">DRAIN: set by an operator,")
                .append(" keeps its sessions, takes no new ones</td></tr>")
                .append("<tr><td class=\"maintain\">&nbsp;</td><td class=\"label\">MAINT: set by an operator,")
                .append(" takes no sessions</td></tr>")
                .append("</table>\n</td><td>\n<b>Display option:</b><ul>\n")
                .append("<li><a href=\"/\">Refresh now</a>\n")
                .append("<li><a href=\"").append(CSV_LINK).append("\">CSV export</a>\n")
                .append("<li><a href=\"").append(JSON_LINK).append("\">JSON export</a>\n")
                .append("<li><a href=\"").append(METRICS_LINK).append("\">Prometheus metrics</a>\n")
                .append("</ul></td></tr></table>\n");
    }

    private static void listener(StringBuilder html, ListenerStats listener, StatsSnapshot snapshot,
            Optional<String> adminFormToken) {
        if (adminFormToken.isPresent()) {
            html.append("<form method=\"post\" action=\"/\">\n");
        }
        html.append("<table class=\"tbl\">\n<tr class=\"titre\"><th class=\"pxname\">").append(escape(listener.name()))
                .append("</th><th class=\"desc\" colspan=\"20\"><b>bind</b> ")
                .append(escape(String.join(", ", listener.binds())))
                .append(" &nbsp; <b>balance</b> ").append(escape(listener.balance()))
                .append(" &nbsp; <b>check</b> ").append(escape(listener.check()))
                .append("</th></tr>\n")
                .append("<tr class=\"titre\"><th rowspan=\"2\"></th><th rowspan=\"2\">Address</th>")
                .append("<th colspan=\"2\">Queue</th><th colspan=\"4\">Sessions</th><th colspan=\"2\">Bytes</th>")
                .append("<th>Denied</th><th colspan=\"2\">Errors</th><th colspan=\"8\">Server</th></tr>\n")
                .append("<tr class=\"titre\"><th>Cur</th><th>Max</th>")
                .append("<th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>In</th><th>Out</th><th>Conn</th>")
                .append("<th>Conn</th><th title=\"sessions that gave up waiting in the queue (timeout queue)\">Q-tout</th>")
                .append("<th>Status</th><th>LastChk</th><th>Role</th><th>Routable</th>")
                .append("<th>Chk</th><th>Dwn</th><th>Dwntme</th><th>Killed</th></tr>\n");
        frontendRow(html, listener);
        for (ServerStats server : listener.servers()) {
            serverRow(html, server, snapshot, adminFormToken.isPresent());
        }
        backendRow(html, listener);
        html.append("</table>\n");
        adminFormToken.ifPresent(token -> actionList(html, listener, token));
        roleChanges(html, listener);
    }

    /** The latest changes of the server a primary listener routes to, under its table. */
    private static void roleChanges(StringBuilder html, ListenerStats listener) {
        if (listener.roleChanges().isEmpty()) {
            return;
        }
        html.append("<table class=\"changes\">\n<tr class=\"titre\"><th colspan=\"5\">role changes of ")
                .append(escape(listener.name())).append(" (").append(listener.roleChangesTotal())
                .append(" since start; latest first)</th></tr>\n")
                .append("<tr class=\"titre\"><th>At</th><th>From</th><th>To</th><th>Why</th>")
                .append("<th title=\"from the first sign of the change to this decision\">Detected in</th></tr>\n");
        for (RoleChange change : listener.roleChanges()) {
            html.append("<tr><td>").append(change.at()).append("</td><td>")
                    .append(change.from() == null ? "none" : escape(change.from())).append("</td><td>")
                    .append(change.to() == null ? "none (clients held)" : escape(change.to())).append("</td><td class=\"al\">")
                    .append(escape(change.why())).append("</td><td>")
                    .append(change.detection() == null ? "" : change.detection().toMillis() + " ms")
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void frontendRow(StringBuilder html, ListenerStats listener) {
        FrontendStats frontend = listener.frontend();
        html.append("<tr class=\"frontend\"><td class=\"al\">Frontend</td><td class=\"al\">")
                .append(escape(String.join(", ", listener.binds()))).append("</td>");
        // The frontend's queue is its held clients: they wait for any server to take sessions at all.
        cell(html, frontend.held());
        cell(html, frontend.maxHeld());
        cell(html, frontend.currentSessions());
        cell(html, frontend.maxSessions());
        limitCell(html, frontend.sessionLimit());
        cell(html, frontend.totalSessions());
        bytesCell(html, frontend.bytesIn());
        bytesCell(html, frontend.bytesOut());
        cell(html, frontend.refused());
        // Held clients whose hold ran out gave up waiting, as a queue timeout.
        html.append("<td></td>");
        cell(html, frontend.holdTimeouts());
        html.append("<td class=\"ac\">").append(frontend.disabled() ? "PAUSED, new clients held"
                : frontend.switchoverPaused() ? "OPEN, held for a switchover" : "OPEN")
                .append("</td><td colspan=\"7\"></td></tr>\n");
    }

    /** HAProxy's action list under a listener's table, which closes its form; the listener goes by name. */
    private static void actionList(StringBuilder html, ListenerStats listener, String token) {
        html.append("Choose the action to perform on the checked servers: <select name=\"action\">")
                .append("<option value=\"\"></option>");
        for (StatsAdminActions.Action action : StatsAdminActions.Action.values()) {
            html.append("<option value=\"").append(action.formValue()).append("\">").append(action.label())
                    .append("</option>");
        }
        html.append("</select><input type=\"hidden\" name=\"b\" value=\"").append(escape(listener.name()))
                .append("\"><input type=\"hidden\" name=\"").append(AdminPosts.TOKEN_FIELD).append("\" value=\"")
                .append(escape(token)).append("\">&nbsp;<input type=\"submit\" value=\"Apply\"></form>\n");
    }

    private static void serverRow(StringBuilder html, ServerStats server, StatsSnapshot snapshot,
            boolean checkbox) {
        Duration sinceChange = HumanFormat.elapsed(server.lastChange(), snapshot.takenAt());
        html.append("<tr class=\"").append(rowClass(server)).append("\">")
                .append("<td class=\"al").append(server.routable() ? " routable" : "").append("\">");
        if (checkbox) {
            html.append("<input type=\"checkbox\" name=\"s\" value=\"").append(escape(server.name())).append("\">");
        }
        html.append(escape(server.name())).append("</td>")
                .append("<td class=\"al\">").append(escape(server.address())).append("</td>");
        queueCell(html, server.queueCurrent(), server.queueTimeAverage(), "sessions");
        cell(html, server.queueMax());
        cell(html, server.currentSessions());
        cell(html, server.maxSessions());
        limitCell(html, server.sessionLimit());
        cell(html, server.totalSessions());
        bytesCell(html, server.bytesIn());
        bytesCell(html, server.bytesOut());
        html.append("<td></td>");
        cell(html, server.connectErrors());
        cell(html, server.queueTimeouts());
        // As on HAProxy's page, the Status cell leads with the time since the last state change.
        html.append("<td class=\"ac\"><span title=\"since ").append(server.lastChange()).append("\">")
                .append(HumanFormat.age(sinceChange)).append(' ').append(escape(server.statusText()))
                .append("</span></td>");
        lastCheckCell(html, server);
        html.append("<td class=\"ac\">").append(escape(server.role())).append("</td>")
                .append(server.routable()
                        ? "<td class=\"ac routable\" title=\"new sessions go here\">&#9654; yes</td>"
                        : "<td class=\"ac\">-</td>");
        cell(html, server.checkFailures());
        cell(html, server.downTransitions());
        html.append("<td>").append(HumanFormat.age(server.downtime())).append("</td>");
        cell(html, server.killedSessions());
        html.append("</tr>\n");
    }

    private static void backendRow(StringBuilder html, ListenerStats listener) {
        BackendTotals totals = BackendTotals.of(listener);
        html.append("<tr class=\"backend\"><td class=\"al\">Backend</td><td class=\"al\"></td>");
        queueCell(html, totals.queueCurrent(), totals.queueTimeAverage(), "sessions of each server");
        // No backend-wide maximum of queued or concurrent sessions, nor a backend session limit (see BackendTotals).
        html.append("<td></td>");
        cell(html, totals.currentSessions());
        html.append("<td></td><td></td>");
        cell(html, totals.totalSessions());
        bytesCell(html, totals.bytesIn());
        bytesCell(html, totals.bytesOut());
        html.append("<td></td>");
        cell(html, totals.connectErrors());
        cell(html, totals.queueTimeouts());
        html.append("<td class=\"ac\">").append(totals.status()).append("</td><td></td><td></td>")
                .append("<td class=\"ac\" title=\"routable servers\">").append(totals.activeServers()).append('/')
                .append(listener.servers().size()).append("</td><td></td><td></td><td></td>");
        cell(html, totals.killedSessions());
        html.append("</tr>\n");
    }

    /** {@code L7OK/200 in 3ms}, with HAProxy's description and the check's own detail on hover. */
    private static void lastCheckCell(StringBuilder html, ServerStats server) {
        CheckResult check = server.lastCheck();
        StringBuilder text = new StringBuilder(check.status());
        if (check.code() > 0) {
            text.append('/').append(check.code());
        }
        if (CheckDescriptions.hasRun(check)) {
            text.append(" in ").append(check.duration().toMillis()).append("ms");
        }
        String title = CheckDescriptions.describe(check.status()) + ": " + check.detail() + " (" + server.checkUrl()
                + ")";
        html.append("<td class=\"ac\"><span title=\"").append(escape(title)).append("\">").append(escape(text.toString()))
                .append("</span></td>");
    }

    private static void cell(StringBuilder html, long value) {
        html.append("<td>").append(value).append("</td>");
    }

    /** HAProxy shows a limit that is not set as {@code -}. */
    private static void limitCell(StringBuilder html, int limit) {
        html.append("<td>").append(limit > 0 ? Integer.toString(limit) : "-").append("</td>");
    }

    /** Sessions waiting now, with the average wait (HAProxy's qtime) over the last {@code averagedOver} on hover. */
    private static void queueCell(StringBuilder html, long queued, Duration averageWait, String averagedOver) {
        String title = "avg wait " + averageWait.toMillis() + " ms over the last " + BackendTotals.QUEUE_TIME_WINDOW
                + " " + averagedOver;
        html.append("<td><span title=\"").append(escape(title)).append("\">").append(queued).append("</span></td>");
    }

    private static void bytesCell(StringBuilder html, long bytes) {
        html.append("<td><span title=\"").append(bytes).append(" bytes\">").append(HumanFormat.bytes(bytes))
                .append("</span></td>");
    }

    /** HAProxy's class names for an active server's row: one per health state, and its maintenance and drain rows. */
    static String rowClass(ServerStats server) {
        if (server.admin() == AdminState.MAINT) {
            return "maintain";
        }
        if (server.admin() == AdminState.DRAIN && server.state().isUp()) {
            return "active_draining";
        }
        return switch (server.state()) {
            case UP -> "active_up";
            case GOING_DOWN -> "active_going_down";
            case GOING_UP -> "active_going_up";
            case DOWN -> "active_down";
            case NOLB -> "active_nolb";
        };
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
