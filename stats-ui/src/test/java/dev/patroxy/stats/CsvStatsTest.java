package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvStatsTest {
    private static final String HAPROXY_FIRST_COLUMNS = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,"
            + "dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,"
            + "iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,";

    private final List<String> lines = new CsvStats().render(TestSnapshots.sample()).lines().toList();

    @Test
    void headerIsHaproxy26sColumnListEndingWithAComma() {
        assertThat(lines.get(0))
                .startsWith(HAPROXY_FIRST_COLUMNS + "hrsp_1xx,")
                .endsWith(",uweight,agg_server_status,agg_server_check_status,agg_check_status,");
        assertThat(lines.get(0).split(",", -1)).hasSize(103 + 1);
    }

    @Test
    void rowsAreFrontendServersBackendPerListener() {
        assertThat(lines.stream().skip(1).map(line -> fields(line).subList(0, 2)).toList()).containsExactly(
                List.of("primary", "FRONTEND"),
                List.of("primary", "pg01"),
                List.of("primary", "pg02"),
                List.of("primary", "pg03"),
                List.of("primary", "<x>"),
                List.of("primary", "BACKEND"),
                List.of("replicas", "FRONTEND"),
                List.of("replicas", "pg03"),
                List.of("replicas", "BACKEND"));
    }

    @Test
    void everyRowHasEveryColumn() {
        lines.forEach(line -> assertThat(fields(line)).as(line).hasSize(CsvStats.COLUMNS.size() + 1));
    }

    @Test
    void serverRowFillsHaproxysFirstColumnsInTheirPositions() {
        assertThat(lines.get(2)).startsWith(
                "primary,pg01,2,7,3,15,100,1234,988234,12346234,,0,,0,,0,0,UP,1,1,0,1,1,192,12,,1,1,1,,1234,,2,,,,"
                        + "L7OK,200,3,");
        List<String> pg01 = fields(lines.get(2));
        assertThat(pg01.get(4)).as("scur").isEqualTo("3");
        assertThat(pg01.get(7)).as("stot").isEqualTo("1234");
        assertThat(pg01.get(8)).as("bin").isEqualTo("988234");
        assertThat(pg01.get(9)).as("bout").isEqualTo("12346234");
        assertThat(pg01.get(17)).as("status").isEqualTo("UP");
        assertThat(pg01.get(36)).as("check_status").isEqualTo("L7OK");
        assertThat(pg01.get(37)).as("check_code").isEqualTo("200");
        assertThat(pg01.get(38)).as("check_duration").isEqualTo("3");
        assertThat(column(pg01, "check_desc")).isEqualTo("Layer7 check passed");
        assertThat(column(pg01, "last_chk")).isEqualTo("HTTP 200");
        assertThat(column(pg01, "addr")).isEqualTo("pg01.db:5432");
        assertThat(column(pg01, "mode")).isEqualTo("tcp");
    }

    @Test
    void serverRowShowsItsQueueAndSessionLimit() {
        List<String> pg01 = fields(lines.get(2));
        assertThat(pg01.get(2)).as("qcur").isEqualTo("2");
        assertThat(pg01.get(3)).as("qmax").isEqualTo("7");
        assertThat(pg01.get(6)).as("slim").isEqualTo("100");
        assertThat(pg01.get(25)).as("qlimit: patroxy's queues have no length limit").isEmpty();
        assertThat(column(pg01, "qtime")).as("average wait in ms").isEqualTo("12");
    }

    @Test
    void serverWithoutLimitOrQueueHasAnEmptySlimAndZeroQueue() {
        List<String> pg02 = fields(lines.get(3));
        assertThat(pg02.subList(2, 4)).as("qcur, qmax").containsExactly("0", "0");
        assertThat(column(pg02, "slim")).isEmpty();
        assertThat(column(pg02, "qlimit")).isEmpty();
        assertThat(column(pg02, "qtime")).isEqualTo("0");
    }

    @Test
    void transitionsUseHaproxysStatusText() {
        assertThat(fields(lines.get(3)).get(17)).isEqualTo("UP 1/3");
        assertThat(fields(lines.get(5)).get(17)).isEqualTo("DOWN 1/2");
        assertThat(fields(lines.get(4)).get(17)).isEqualTo("DOWN");
    }

    @Test
    void checkStatusCodeAndDurationFollowHaproxy() {
        List<String> pg02 = fields(lines.get(3));
        assertThat(pg02.subList(36, 39)).containsExactly("L7STS", "503", "2");
        List<String> pg03 = fields(lines.get(4));
        assertThat(pg03.subList(36, 39)).as("no HTTP status after a refused connection").containsExactly("L4CON", "", "1");
        List<String> notChecked = fields(lines.get(5));
        assertThat(notChecked.subList(36, 39)).containsExactly("INI", "", "");
        assertThat(column(notChecked, "check_desc")).isEqualTo("Initializing");
    }

    @Test
    void nonRoutableServersHaveNoWeightButStayActive() {
        List<String> pg02 = fields(lines.get(3));
        assertThat(column(pg02, "weight")).isEqualTo("0");
        assertThat(column(pg02, "act")).isEqualTo("1");
        assertThat(column(pg02, "bck")).isEqualTo("0");
    }

    @Test
    void detailWithACommaIsQuoted() {
        assertThat(lines.get(3)).contains(",\"HTTP 503, not the primary\",");
        assertThat(column(fields(lines.get(3)), "last_chk")).isEqualTo("HTTP 503, not the primary");
    }

    @Test
    void frontendRowIsOpenWithClientCounters() {
        assertThat(lines.get(1)).startsWith("primary,FRONTEND,,,3,17,500,1240,987654,12345678,0,0,0,,,,,OPEN,,,,,,,,,1,1,0,,,,0,");
        List<String> frontend = fields(lines.get(1));
        assertThat(column(frontend, "dcon")).isEqualTo("6");
        assertThat(column(frontend, "check_status")).isEmpty();
        assertThat(column(frontend, "qtime")).isEmpty();
        assertThat(column(fields(lines.get(7)), "slim")).as("a listener without maxconn").isEmpty();
    }

    @Test
    void backendRowSumsServersAndIsUpWhileOneIsRoutable() {
        List<String> backend = fields(lines.get(6));
        assertThat(lines.get(6)).startsWith("primary,BACKEND,2,,3,,,1238,988264,12346294,0,0,,6,,0,0,UP,1,1,0,");
        assertThat(column(backend, "type")).isEqualTo("1");
        assertThat(column(backend, "sid")).isEqualTo("0");
        assertThat(column(backend, "algo")).isEqualTo("primary");
    }

    @Test
    void backendQueueSumsTheServersQueuesAndWeighsTheirQueueTimes() {
        List<String> backend = fields(lines.get(6));
        assertThat(backend.get(2)).as("qcur").isEqualTo("2");
        assertThat(backend.get(3)).as("qmax: no backend-wide maximum").isEmpty();
        assertThat(backend.get(6)).as("slim").isEmpty();
        assertThat(column(backend, "qlimit")).isEmpty();
        // pg01 waited 12 ms over its last 1024 sessions, pg02 0 ms over its 4: 12 * 1024 / 1028 = 11.95 ms.
        assertThat(column(backend, "qtime")).isEqualTo("11");
        assertThat(column(fields(lines.get(9)), "qtime")).as("no sessions to average over").isEqualTo("0");
    }

    @Test
    void backendIsDownWhenNothingIsRoutable() {
        List<String> backend = fields(lines.get(9));
        assertThat(backend.subList(0, 2)).containsExactly("replicas", "BACKEND");
        assertThat(backend.get(17)).isEqualTo("DOWN");
        assertThat(column(backend, "act")).isEqualTo("0");
        assertThat(column(backend, "weight")).isEqualTo("0");
        assertThat(column(backend, "iid")).isEqualTo("2");
    }

    @Test
    void typesAndIdsAreSequential() {
        assertThat(lines.stream().skip(1).map(line -> {
            List<String> row = fields(line);
            return column(row, "iid") + "/" + column(row, "sid") + "/" + column(row, "type");
        }).toList()).containsExactly("1/0/0", "1/1/2", "1/2/2", "1/3/2", "1/4/2", "1/0/1", "2/0/0", "2/1/2", "2/0/1");
    }

    @Test
    void adminStatesShowInHaproxysStatusWords() {
        List<String> drained = new CsvStats().render(TestSnapshots.withAdmin(AdminState.DRAIN)).lines().toList();
        assertThat(column(fields(drained.get(1)), "status")).as("a disabled frontend").isEqualTo("PAUSED");
        assertThat(column(fields(drained.get(2)), "status")).as("UP, drained").isEqualTo("DRAIN");
        assertThat(column(fields(drained.get(3)), "status")).as("going down, drained").isEqualTo("DRAIN 1/3");
        assertThat(column(fields(drained.get(4)), "status")).as("DOWN, drained").isEqualTo("DOWN");
        assertThat(column(fields(drained.get(2)), "uweight")).isEqualTo("0");
        List<String> maint = new CsvStats().render(TestSnapshots.withAdmin(AdminState.MAINT)).lines().toList();
        assertThat(List.of(2, 3, 4, 5).stream().map(i -> column(fields(maint.get(i)), "status")).toList())
                .containsOnly("MAINT");
        assertThat(column(fields(lines.get(1)), "status")).isEqualTo("OPEN");
        assertThat(column(fields(lines.get(2)), "uweight")).isEqualTo("1");
    }

    private static String column(List<String> row, String name) {
        return row.get(CsvStats.COLUMNS.indexOf(name));
    }

    /** Splits one CSV line, honouring RFC 4180 quotes; the trailing comma yields a last empty field. */
    private static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    @Test
    void aSelectionKeepsTheRowsShowStatAsksForWithTheirIds() {
        CsvStats csv = new CsvStats();
        StatsSnapshot sample = TestSnapshots.sample();

        assertThat(csv.render(sample, CsvStats.Selection.ALL)).isEqualTo(csv.render(sample));
        List<String> replicas = csv.render(sample, new CsvStats.Selection(2, -1, -1)).lines().skip(1).toList();
        assertThat(replicas).extracting(l -> l.split(",")[0] + "/" + l.split(",")[1])
                .containsExactly("replicas/FRONTEND", "replicas/pg03", "replicas/BACKEND");
        assertThat(replicas).as("the rows are the full CSV's, ids included").isSubsetOf(lines);
        List<String> pg02 = csv.render(sample, new CsvStats.Selection(1, 4, 2)).lines().skip(1).toList();
        assertThat(pg02).singleElement().asString().startsWith("primary,pg02,");
        List<String> backends = csv.render(sample, new CsvStats.Selection(-1, 2, 5)).lines().skip(1).toList();
        assertThat(backends).extracting(l -> l.split(",")[1]).containsExactly("BACKEND", "BACKEND");
    }

    @Test
    void typedRendersEachNonEmptyFieldOfTheSelectedRows() {
        String typed = new CsvStats().renderTyped(TestSnapshots.sample(), new CsvStats.Selection(2, -1, -1));

        assertThat(typed).contains("F.2.0.0.pxname.1:KNS:str:replicas\n", "S.2.1.1.svname.1:KNS:str:pg03\n",
                "S.2.1.17.status.1:SOS:str:DOWN\n", "B.2.0.1.svname.1:KNS:str:BACKEND\n");
        assertThat(typed).doesNotContain("primary").doesNotContain(":\n");
    }
}
