package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlStatsPageTest {
    private final String html = new HtmlStatsPage(Duration.ofSeconds(5)).render(TestSnapshots.sample());

    @Test
    void refreshesItselfEveryInterval() {
        assertThat(html).contains("<meta http-equiv=\"refresh\" content=\"5\">");
        assertThat(new HtmlStatsPage(Duration.ofMillis(1500)).render(TestSnapshots.sample()))
                .contains("<meta http-equiv=\"refresh\" content=\"2\">");
        assertThat(new HtmlStatsPage(Duration.ZERO).render(TestSnapshots.sample())).doesNotContain("http-equiv");
    }

    @Test
    void rejectsANegativeRefresh() {
        assertThatThrownBy(() -> new HtmlStatsPage(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void headerShowsVersionUptimeAndTakenAt() {
        assertThat(html)
                .contains("<h1>patroxy version 0.1.0-test</h1>")
                .contains("<b>uptime = </b>0d 1h01m01s")
                .contains("<b>taken at = </b>2024-05-01T11:01:01Z");
    }

    @Test
    void headerSaysWhenTheConfigurationWasLoadedAndWhyTheLastReloadWasRefused() {
        assertThat(html)
                .contains("<b>configuration loaded at = </b>2024-05-01T11:00:01Z (2 reloads, 1 refused)")
                .contains("<b>draining = </b>4 sessions of a replaced configuration")
                .contains("<span class=\"reload-failed\"><b>last reload refused at 2024-05-01T11:00:31Z:</b>"
                        + " patroxy.yml:7: listeners[0].bind: invalid port &#39;x&#39;");
    }

    @Test
    void linksToTheOtherViews() {
        assertThat(html)
                .contains("<a href=\"/\">Refresh now</a>")
                .contains("<a href=\"/;csv\">CSV export</a>")
                .contains("<a href=\"/;json\">JSON export</a>")
                .contains("<a href=\"/metrics\">Prometheus metrics</a>");
    }

    @Test
    void listenerTitleShowsBindsBalanceAndCheck() {
        assertThat(html).contains("<th class=\"pxname\">primary</th>")
                .contains("<b>bind</b> 0.0.0.0:5000, [::]:5000 &nbsp; <b>balance</b> primary &nbsp; "
                        + "<b>check</b> OPTIONS /primary expect 200");
    }

    @Test
    void serverRowsTakeHaproxysColours() {
        assertThat(html)
                .contains("<tr class=\"active_up\"><td class=\"al routable\">pg01</td>")
                .contains("<tr class=\"active_going_down\"><td class=\"al\">pg02</td>")
                .contains("<tr class=\"active_down\"><td class=\"al\">pg03</td>")
                .contains("<tr class=\"active_going_up\"><td class=\"al\">&lt;x&gt;</td>")
                .contains(".active_up { background: #c0ffc0; }")
                .contains(".active_going_down { background: #ffffa0; }")
                .contains(".active_going_up { background: #ffd020; }")
                .contains(".active_down { background: #ff9090; }");
    }

    @Test
    void aStandbyIsBlueLikeHaproxysNolbNotRed() {
        assertThat(html).contains(".active_nolb { background: #20a0ff; }")
                .contains("NOLB: healthy, not in this listener's role");
    }

    @Test
    void maintenanceAndDrainHaveHaproxysRowsAndTheirWords() {
        String maint = new HtmlStatsPage(Duration.ofSeconds(5)).render(TestSnapshots.withAdmin(AdminState.MAINT));
        assertThat(maint).contains("<tr class=\"maintain\"><td class=\"al routable\">pg01</td>")
                .contains(" MAINT</span>").contains("PAUSED, new clients held")
                .contains(".maintain { background: #c07820; }");
        String drain = new HtmlStatsPage(Duration.ofSeconds(5)).render(TestSnapshots.withAdmin(AdminState.DRAIN));
        assertThat(drain).contains("<tr class=\"active_draining\"><td class=\"al\">pg02</td>")
                .contains(" DRAIN 1/3</span>");
    }

    @Test
    void namesAreEscaped() {
        assertThat(html).doesNotContain("<x>").contains("&lt;x&gt;.db:5432");
        assertThat(HtmlStatsPage.escape("a&b<c>\"d'")).isEqualTo("a&amp;b&lt;c&gt;&quot;d&#39;");
    }

    @Test
    void statusLeadsWithTimeSinceLastChange() {
        assertThat(html)
                .contains("3m12s UP</span>")
                .contains("5h07m UP 1/3</span>")
                .contains("45s DOWN</span>")
                .contains("1h01m DOWN 1/2</span>");
    }

    @Test
    void lastCheckShowsStatusCodeAndDurationWithDetailOnHover() {
        assertThat(html)
                .contains("<span title=\"Layer7 check passed: HTTP 200 (http://pg01.db:8008/primary)\">L7OK/200 in 3ms</span>")
                .contains("<span title=\"Layer7 wrong status: HTTP 503, not the primary (http://pg02.db:8008/primary)\">"
                        + "L7STS/503 in 2ms</span>")
                .contains(">L4CON in 1ms</span>")
                .contains("<span title=\"Initializing: not checked yet (http://&lt;x&gt;.db:8008/primary)\">INI</span>");
    }

    @Test
    void marksTheRoutableServerAndShowsRoles() {
        assertThat(html).contains("<td class=\"ac\">primary</td><td class=\"ac routable\" title=\"new sessions go here\">"
                + "&#9654; yes</td>");
        assertThat(html).contains("<td class=\"ac\">replica</td><td class=\"ac\">-</td>");
    }

    @Test
    void bytesAreHumanWithTheExactValueOnHover() {
        assertThat(html).contains("<span title=\"12345678 bytes\">11.8 MiB</span>")
                .contains("<span title=\"10 bytes\">10 B</span>");
    }

    @Test
    void frontendAndBackendRows() {
        assertThat(html).contains("<tr class=\"frontend\"><td class=\"al\">Frontend</td><td class=\"al\">0.0.0.0:5000, [::]:5000</td>"
                + "<td>2</td><td>9</td><td>3</td><td>17</td><td>500</td><td>1240</td>");
        assertThat(html).as("held clients whose hold ran out, under queue timeouts")
                .contains("<td>6</td><td></td><td>1</td><td class=\"ac\">OPEN, held for a switchover</td>");
        assertThat(html).contains("<tr class=\"backend\"><td class=\"al\">Backend</td><td class=\"al\"></td>"
                + "<td><span title=\"avg wait 11 ms over the last 1024 sessions of each server\">2</span></td><td></td>"
                + "<td>3</td><td></td><td></td><td>1238</td>");
        assertThat(html).contains("<td class=\"ac\">UP</td><td></td><td></td><td class=\"ac\" title=\"routable servers\">1/4</td>");
        assertThat(html).contains("<td class=\"ac\">DOWN</td><td></td><td></td><td class=\"ac\" title=\"routable servers\">0/1</td>");
    }

    @Test
    void aPrimaryListenersRoleChangesAreListedUnderItsTable() {
        assertThat(html).contains("role changes of primary (3 since start; latest first)")
                .contains("<td>none</td><td>pg01</td><td class=\"al\">DCS: the DCS leader key names pg01</td><td>78 ms</td>")
                .contains("<td>pg02</td><td>none (clients held)</td>")
                .doesNotContain("role changes of replicas");
    }

    @Test
    void queueGroupComesBeforeSessionsWhichHaveALimit() {
        assertThat(html).contains("<th colspan=\"2\">Queue</th><th colspan=\"4\">Sessions</th>")
                .contains("<tr class=\"titre\"><th>Cur</th><th>Max</th><th>Cur</th><th>Max</th><th>Limit</th><th>Total</th>");
    }

    @Test
    void serverShowsItsQueueWithTheAverageWaitOnHoverAndItsLimit() {
        assertThat(html).contains("<td class=\"al\">pg01.db:5432</td>"
                + "<td><span title=\"avg wait 12 ms over the last 1024 sessions\">2</span></td><td>7</td>"
                + "<td>3</td><td>15</td><td>100</td><td>1234</td>");
        assertThat(html).as("no maxconn shows as HAProxy's -").contains("<td class=\"al\">pg02.db:5432</td>"
                + "<td><span title=\"avg wait 0 ms over the last 1024 sessions\">0</span></td><td>0</td>"
                + "<td>0</td><td>1</td><td>-</td><td>4</td>");
    }

    @Test
    void queueTimeoutsFollowConnectionErrors() {
        assertThat(html).contains("<th>Conn</th><th title=\"sessions that gave up waiting in the queue (timeout queue)\">"
                + "Q-tout</th>");
        assertThat(html).as("pg01: no connection error, 3 queue timeouts")
                .contains("<td></td><td>0</td><td>3</td><td class=\"ac\"><span title=\"since");
        assertThat(html).as("backend: the sums").contains("<td>6</td><td>3</td><td class=\"ac\">UP</td>");
    }

    @Test
    void everyRowSpansAsManyColumnsAsTheHeader() {
        Pattern cell = Pattern.compile("<t[dh](\\s[^>]*)?>");
        Pattern colspan = Pattern.compile("colspan=\"(\\d+)\"");
        // Each listener's table: what follows its opening tag up to its closing one.
        List<String> tables = Arrays.stream(html.split("<table class=\"tbl\">")).skip(1)
                .map(table -> table.substring(0, table.indexOf("</table>")))
                .toList();
        assertThat(tables).hasSize(2);
        for (String table : tables) {
            int rowspanned = 0;
            for (String row : Arrays.stream(table.split("<tr")).skip(1).toList()) {
                // The cells of the row above that reach down into this one.
                int width = rowspanned;
                rowspanned = 0;
                Matcher cells = cell.matcher(row);
                while (cells.find()) {
                    String attributes = Objects.requireNonNullElse(cells.group(1), "");
                    Matcher span = colspan.matcher(attributes);
                    width += span.find() ? Integer.parseInt(span.group(1)) : 1;
                    if (attributes.contains("rowspan=\"2\"")) {
                        rowspanned++;
                    }
                }
                assertThat(width).as(row).isEqualTo(21);
            }
        }
    }

    @Test
    void serverCountersAndDowntime() {
        assertThat(html).contains("<td>1</td><td>1</td><td>12s</td><td>0</td></tr>")
                .contains("<td>7</td><td>2</td><td>1h02m</td><td>5</td></tr>");
    }

    @Test
    void headerShowsTheDcsLeaderAndWarnsWhenItNamesNoServer() {
        String page = new HtmlStatsPage(Duration.ZERO).render(TestSnapshots.withUnknownLeader());

        assertThat(page).contains("<b>DCS leader = </b>postgresql0 (4 failed requests, 1 errors; latest: the DCS"
                        + " leader watch: boom)")
                .contains("<span class=\"warning\"><b>warning:</b> the DCS leader key names the Patroni member"
                        + " &#39;postgresql0&#39;, which is none of the servers of primary");
        assertThat(html).as("no DCS configured").doesNotContain("<b>DCS leader = </b>");
    }
}
