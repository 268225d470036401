package dev.patroxy.proxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.AdminLevel;
import dev.patroxy.proxy.json.Json;
import dev.patroxy.stats.AdminState;
import dev.patroxy.stats.CsvStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every command on a plain RuntimeCommands, with a recording AdminActions: no socket. */
class RuntimeCommandsTest {
    private RuntimeFixtures.RecordingActions actions;
    private RuntimeCommands commands;
    private CliSession session;

    @BeforeEach
    void setUp() {
        actions = new RuntimeFixtures.RecordingActions();
        commands = new RuntimeCommands(RuntimeFixtures.view(), Optional.of(actions));
        session = new CliSession(Duration.ofSeconds(10), AdminLevel.ADMIN);
    }

    private String run(String line) {
        return run(commands, line);
    }

    private String run(RuntimeCommands on, String line) {
        StringBuilder out = new StringBuilder();
        CommandWords.commands(line).forEach(words -> out.append(on.run(words, session).text()));
        return out.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("actCommands")
    void belowAdminLevelEveryChangeIsDeniedAndNothingIsCalled(String line, String call) {
        if (line.startsWith("get weight")) {
            return;
        }
        for (AdminLevel level : List.of(AdminLevel.USER, AdminLevel.OPERATOR)) {
            session = new CliSession(Duration.ofSeconds(10), level);
            assertThat(run(line)).as("%s at level %s", line, level).isEqualTo("Permission denied\n");
        }
        assertThat(actions.calls).isEmpty();
    }

    @Test
    void aUserLevelConnectionReadsButListsNoSessionsAnOperatorDoes() {
        session = new CliSession(Duration.ofSeconds(10), AdminLevel.USER);
        assertThat(run("show stat")).startsWith("# pxname,svname,");
        assertThat(run("get weight primary/pg01")).doesNotContain("Permission denied");
        assertThat(run("show sess")).isEqualTo("Permission denied\n");

        session = new CliSession(Duration.ofSeconds(10), AdminLevel.OPERATOR);
        assertThat(run("show sess")).doesNotContain("Permission denied");
    }

    static Stream<Arguments> actCommands() {
        return Stream.of(
                Arguments.of("disable server primary/pg01", "setServerState(primary, pg01, maint)"),
                Arguments.of("enable server primary/pg01", "setServerState(primary, pg01, ready)"),
                Arguments.of("set server primary/pg02 state drain", "setServerState(primary, pg02, drain)"),
                Arguments.of("set server primary/pg02 state maint", "setServerState(primary, pg02, maint)"),
                Arguments.of("set server replicas/pg02 state ready", "setServerState(replicas, pg02, ready)"),
                Arguments.of("set server primary/pg02 weight 50%", "setWeight(primary, pg02, 50%)"),
                Arguments.of("set weight primary/pg01 10", "setWeight(primary, pg01, 10)"),
                Arguments.of("get weight primary/pg01", "getWeight(primary, pg01)"),
                Arguments.of("shutdown session 17", "shutdownSession(17)"),
                Arguments.of("shutdown sessions server primary/pg01", "shutdownSessions(primary, pg01)"),
                Arguments.of("disable frontend primary", "disableFrontend(primary)"),
                Arguments.of("enable frontend replicas", "enableFrontend(replicas)"),
                Arguments.of("set maxconn server primary/pg01 20", "setMaxconn(server, primary/pg01, 20)"),
                Arguments.of("set maxconn frontend replicas 30", "setMaxconn(frontend, replicas, 30)"),
                Arguments.of("set maxconn global 100", "setMaxconn(global, null, 100)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void actCommands(String line, String call) {
        assertThat(run(line)).as("done: HAProxy answers nothing").isEmpty();
        assertThat(actions.calls).containsExactly(call);
    }

    static Stream<Arguments> badActCommands() {
        return Stream.of(
                Arguments.of("disable server nosuch/pg01", "No such backend.\n"),
                Arguments.of("disable server primary/pg09", "No such server.\n"),
                Arguments.of("enable server replicas/pg01", "No such server.\n"),
                Arguments.of("disable server primary", "Require 'backend/server'.\n"),
                Arguments.of("disable server primary/", "Require 'backend/server'.\n"),
                Arguments.of("get weight /pg01", "Require 'backend/server'.\n"),
                Arguments.of("set server primary/pg01 state up",
                        "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n"),
                Arguments.of("set server primary/pg01 addr 10.0.0.1",
                        "'set server <srv>' only supports 'state' and 'weight' in patroxy.\n"),
                Arguments.of("set server nosuch/pg01 state ready", "No such backend.\n"),
                Arguments.of("set weight primary/pg01", "Require <weight> or <weight%>.\n"),
                Arguments.of("shutdown session", "Session pointer expected (use 'show sess').\n"),
                Arguments.of("shutdown sessions server primary/nosuch", "No such server.\n"),
                Arguments.of("disable frontend nosuch", "No such frontend.\n"),
                Arguments.of("enable frontend", "A frontend name is expected.\n"),
                Arguments.of("set maxconn global lots", "Integer value expected.\n"),
                Arguments.of("set maxconn global -5", "Integer value expected.\n"),
                Arguments.of("set maxconn global", "Expects an integer value.\n"),
                Arguments.of("set maxconn frontend primary", "Integer value expected.\n"),
                Arguments.of("set maxconn server nosuch/pg01 5", "No such backend.\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void badActCommands(String line, String answer) {
        assertThat(run(line)).isEqualTo(answer);
        assertThat(actions.calls).as("nothing reaches AdminActions").isEmpty();
    }

    @Test
    void anErrorFromAdminActionsIsOneLine() {
        actions.answer = "Cannot change the weight of a primary listener's server.";

        assertThat(run("set weight primary/pg01 5")).isEqualTo(actions.answer + "\n");
        actions.answer = "10 (initial 1)\n";
        assertThat(run("get weight primary/pg01")).isEqualTo("10 (initial 1)\n");
    }

    @Test
    void withoutAdminActionsEveryActCommandIsRefusedAndNothingPretendsToWork() {
        RuntimeCommands readOnly = new RuntimeCommands(RuntimeFixtures.view(), Optional.empty());

        actCommands().map(a -> (String) a.get()[0]).forEach(line ->
                assertThat(run(readOnly, line)).as(line).isEqualTo(RuntimeCommands.NO_ACTIONS));
        assertThat(run(readOnly, "disable server nosuch/pg01")).as("permission first, as HAProxy checks the level")
                .isEqualTo(RuntimeCommands.NO_ACTIONS);
        assertThat(RuntimeCommands.NO_ACTIONS).startsWith("Permission denied");
        assertThat(run(readOnly, "show sess")).isEqualTo(RuntimeCommands.NO_SESSIONS);
        assertThat(run(readOnly, "show info")).startsWith("Name: patroxy\n");
    }

    @Test
    void anUnknownCommandIsAnsweredWithTheUsage() {
        String answer = run("frobnicate everything");

        assertThat(answer).startsWith("Unknown command, but maybe one of the following ones is a better match:\n")
                .contains("  show info [typed|json]                  : ")
                .contains("  disable server <bk>/<srv>               : ")
                .endsWith("  quit                                    : disconnect\n");
        assertThat(actions.calls).isEmpty();
    }

    @Test
    void aCommandThatStartsLikeOneListsTheCommandsItMayHaveMeant() {
        String answer = run("show everything");

        assertThat(answer).startsWith("Unknown command, but maybe one of the following ones is a better match:\n")
                .contains("show info", "show stat", "show servers state", "show cluster")
                .doesNotContain("disable server");
        assertThat(run("set maxconn nowhere 3")).contains("set maxconn global", "set maxconn server")
                .doesNotContain("set weight");
    }

    @Test
    void anEmptyLineIsAnsweredWithEveryCommand() {
        assertThat(run("")).startsWith("Unknown command. Please enter one of the following commands only:\n")
                .contains("show info", "set weight", "help [<command>]");
    }

    @Test
    void binaryJunkIsAnUnknownCommand() {
        String junk = new String(new byte[] {0, (byte) 0xff, 1, 27, '[', 'A', (byte) 0xc3}, java.nio.charset.StandardCharsets.ISO_8859_1);

        assertThat(run(junk)).startsWith("Unknown command");
        assertThat(actions.calls).isEmpty();
    }

    @Test
    void helpListsEveryCommandSortedOrThoseThatMatch() {
        String all = run("help");
        assertThat(all).startsWith("The following commands are valid at this level:\n")
                .containsSubsequence("  disable frontend", "  disable server", "  enable frontend", "  get weight",
                        "  set maxconn frontend", "  show backend", "  show cluster", "  shutdown session", "  help",
                        "  prompt", "  quit");

        assertThat(run("help set maxconn")).contains("set maxconn global", "set maxconn frontend")
                .doesNotContain("show info", "set weight");
    }

    @Test
    void setTimeoutCliTakesSecondsOrAUnitOfAtLeastOneSecond() {
        assertThat(run("set timeout cli 30")).isEmpty();
        assertThat(session.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(run("set timeout cli 5m")).isEmpty();
        assertThat(session.timeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(run("set timeout cli 1500ms")).isEmpty();
        assertThat(session.timeout()).as("whole seconds, as HAProxy counts them").isEqualTo(Duration.ofSeconds(1));

        assertThat(run("set timeout cli 0")).isEqualTo("Invalid timeout value.\n");
        assertThat(run("set timeout cli 500ms")).isEqualTo("Invalid timeout value.\n");
        assertThat(run("set timeout cli soon")).isEqualTo("Invalid timeout value.\n");
        assertThat(run("set timeout cli 30d")).as("beyond HAProxy's 2^31-1 ms").isEqualTo("Invalid timeout value.\n");
        assertThat(run("set timeout cli")).isEqualTo("Expects an integer value.\n");
        assertThat(run("set timeout server 5")).isEqualTo("'set timeout' only supports 'cli'.\n");
        assertThat(session.timeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void promptTogglesInteractiveModeAndQuitEndsTheConnection() {
        assertThat(commands.run(List.of("prompt"), session).text()).isEmpty();
        assertThat(session.interactive()).isTrue();
        commands.run(List.of("prompt"), session);
        assertThat(session.interactive()).isFalse();

        RuntimeCommands.Answer quit = commands.run(List.of("quit"), session);
        assertThat(quit.quit()).isTrue();
        assertThat(quit.text()).isEmpty();
        assertThat(commands.run(List.of("show", "backend"), session).quit()).isFalse();
    }

    @Test
    void showStatIsTheStatsPagesCsv() {
        String csv = new CsvStats().render(RuntimeFixtures.snapshot());

        assertThat(run("show stat")).isEqualTo(csv);
        assertThat(run("show stat -1 -1 -1")).isEqualTo(csv);
        assertThat(csv).startsWith("# pxname,svname,qcur,");
    }

    @Test
    void showStatSelectsByProxyTypeAndServer() {
        String replicas = run("show stat 2 -1 -1");
        assertThat(replicas.lines().skip(1)).hasSize(3).allMatch(l -> l.startsWith("replicas,"));

        String onePrimaryServer = run("show stat 1 4 2");
        assertThat(onePrimaryServer.lines().skip(1)).singleElement().asString().startsWith("primary,pg02,");

        String frontends = run("show stat -1 1 -1");
        assertThat(frontends.lines().skip(1)).extracting(l -> l.split(",")[1]).containsExactly("FRONTEND", "FRONTEND");

        assertThat(run("show stat 1 2")).startsWith("Usage: show stat");
        assertThat(run("show stat a b c")).startsWith("Usage: show stat");
    }

    @Test
    void showStatTypedIsOneFieldALine() {
        String typed = run("show stat typed");

        assertThat(typed).contains("F.1.0.0.pxname.1:KNS:str:primary\n", "F.1.0.1.svname.1:KNS:str:FRONTEND\n",
                "S.1.1.17.status.1:SOS:str:UP\n", "S.1.2.17.status.1:SOS:str:UP 2/3\n", "B.2.0.1.svname.1:KNS:str:BACKEND\n",
                "F.1.0.7.stot.1:MCP:u64:1240\n", "F.1.0.5.smax.1:MMP:u32:17\n");
        assertThat(typed.lines()).allMatch(l -> l.matches("[FBS]\\.\\d+\\.\\d+\\.\\d+\\.[a-z_0-9]+\\.1:[A-Z]{3}:(str|u32|u64):.+"));
        assertThat(run("show stat 2 -1 -1 typed").lines()).allMatch(l -> l.substring(1).startsWith(".2."));
    }

    @Test
    void showInfoHasHaproxysFieldsWithPatroxysValues() {
        String info = run("show info");

        assertThat(info.lines().limit(9).map(l -> l.substring(0, l.indexOf(':'))))
                .containsExactly("Name", "Version", "Release_date", "Nbthread", "Nbproc", "Process_num", "Pid",
                        "Uptime", "Uptime_sec");
        assertThat(info).contains("Name: patroxy\n", "Version: 2.6.0-patroxy-1.2.3\n", "Nbthread: 2\n", "Pid: 4242\n",
                "Uptime: 0d 1h01m01s\n", "Uptime_sec: 3661\n", "Memmax_MB: 512\n", "Ulimit-n: 1048576\n",
                "Maxconn: 500\n", "CurrConns: 4\n", "CumConns: 1249\n", "node: px1\n", "Listeners: 2\n",
                "DroppedLogs: 5\n", "FailedResolutions: 6\n", "TotalBytesOut: 12345878\n", "ConnRate: \n",
                "Release_date: unknown\n", "Tasks: 31\n", "Run_queue: 3\n",
                "Start_time_sec: " + RuntimeFixtures.STARTED.getEpochSecond() + "\n");
    }

    @Test
    void showInfoTypedAndJson() {
        assertThat(run("show info typed")).startsWith("0.Name.1:POS:str:patroxy\n1.Version.1:POS:str:2.6.0-patroxy-1.2.3\n")
                .contains("6.Pid.1:SGP:u32:4242\n", "17.CurrConns.1:MGP:u32:4\n");

        List<?> fields = (List<?>) Json.parse(run("show info json"));
        Map<String, Object> pid = fields.stream().map(Json::object)
                .filter(f -> Json.object(f.get("field")).get("name").equals("Pid")).findFirst().orElseThrow();
        assertThat(pid.get("processNum")).isEqualTo(1L);
        assertThat(Json.object(pid.get("value"))).containsEntry("type", "u32").containsEntry("value", 4242L);
        assertThat(Json.object(pid.get("tags"))).containsEntry("origin", "Status").containsEntry("nature", "Gauge");
        assertThat(fields).as("unmeasured fields are left out").noneMatch(f ->
                Json.object(Json.object(f).get("field")).get("name").equals("ConnRate"));
    }

    @Test
    void showServersStateIsHaproxysServerStateFormat() {
        assertThat(run("show servers state")).isEqualTo(ShowServersState.HEADER
                + "1 primary 1 pg01 10.29.0.11 2 0 1 1 75 15 3 4 6 0 0 0 - 5432 - 0 8008 - - 0\n"
                + "1 primary 2 pg02 pg02.db 2 0 1 1 75 7 2 3 6 0 0 0 pg02.db 5432 - 0 8009 10.29.0.99 - 0\n"
                + "2 replicas 1 pg02 pg02.db 2 0 1 1 75 15 3 4 6 0 0 0 pg02.db 5432 - 0 8009 10.29.0.99 - 0\n");
        assertThat(run("show servers state replicas")).isEqualTo(ShowServersState.HEADER
                + "2 replicas 1 pg02 pg02.db 2 0 1 1 75 15 3 4 6 0 0 0 pg02.db 5432 - 0 8009 10.29.0.99 - 0\n");
        assertThat(run("show servers state nosuch")).isEqualTo("Can't find backend.\n");
        assertThat(ShowServersState.HEADER.lines().skip(1).findFirst().orElseThrow().split(" ")).hasSize(26);
    }

    @Test
    void showServersStateCarriesWhatAnOperatorSetAsHaproxysAdminFlagsAndWeights() {
        assertThat(ShowServersState.render(RuntimeFixtures.snapshot(AdminState.DRAIN, 3), RuntimeFixtures.config(),
                "primary")).contains("1 primary 2 pg02 pg02.db 2 8 3 1 75 ");
        assertThat(ShowServersState.render(RuntimeFixtures.snapshot(AdminState.MAINT, 0), RuntimeFixtures.config(),
                "primary")).as("stopped, as HAProxy shows a server in MAINT").contains("1 primary 2 pg02 pg02.db 0 1 0 1 75 ");
    }

    @Test
    void showBackendListsTheListeners() {
        assertThat(run("show backend")).isEqualTo("# name\nprimary\nreplicas\n");
    }

    @Test
    void showClusterSaysWhatPatroxyKnowsOfPatroni() {
        assertThat(run("show cluster")).isEqualTo("""
                dcs: etcd3 10.29.0.10:2379
                leader_key: /service/batman/leader
                leader: pg01
                dcs_request_failures: 4
                dcs_errors: 1
                dcs_last_error: the DCS leader watch: boom
                # server member address role timeline lag routed_by
                pg01 pg01 10.29.0.11:5432 primary 7 - primary
                pg02 node2 pg02.db:5432 replica - - replicas
                """);
    }

    @Test
    void showEventsListsRoleChangesOldestFirst() {
        assertThat(run("show events")).isEqualTo("""
                2026-12-01T10:11:01Z primary: - -> pg02 (check: pg02 is UP (L7OK 200))
                2026-12-01T10:57:49Z primary: pg02 -> pg01 (DCS: the DCS leader key names pg01) detected in 78ms
                """);
    }

    @Test
    void showSessListsTheSessionsAdminActionsGives() {
        assertThat(run("show sess")).isEqualTo("""
                17: proto=tcp src=10.0.0.5:40000 fe=primary be=primary srv=pg01 age=1m15s bytes_in=1234 bytes_out=5678
                18: proto=tcp src=10.0.0.6:40001 fe=primary be=primary srv=<NOSRV> age=2s bytes_in=0 bytes_out=0
                """);
        assertThat(ShowSessions.age(Duration.ofHours(26).plusMinutes(5))).isEqualTo("1d02h");
        assertThat(ShowSessions.age(Duration.ofMinutes(125))).isEqualTo("2h05m");
    }

    @Test
    void severalCommandsOnALineAnswerInTurn() {
        assertThat(run("show backend; get weight primary/pg01;show backend"))
                .isEqualTo("# name\nprimary\nreplicas\n# name\nprimary\nreplicas\n");
        assertThat(actions.calls).containsExactly("getWeight(primary, pg01)");
    }
}
