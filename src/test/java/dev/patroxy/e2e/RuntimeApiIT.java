package dev.patroxy.e2e;

import static dev.patroxy.e2e.Cluster.PRIMARY_PORT;
import static dev.patroxy.e2e.Cluster.REPLICA_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The runtime API on the real cluster, driven by the clients HAProxy's users drive it with: socat (every command),
 * Ansible's community.general.haproxy module (drain, disable, enable, with waits) and hatop in a pseudo-terminal.
 * The changes are made on a replica of the replicas listener and on the primary listener, and undone after each
 * test. Runs after the fault suite (see {@link ClassOrderer}); it starts from a settled cluster whatever ran before.
 */
@Order(3)
class RuntimeApiIT {
    private static final Duration WITHIN = Duration.ofSeconds(20);
    private static final Pattern SESSION_ID = Pattern.compile("^(\\S+): proto=tcp src=(\\S+) fe=replicas",
            Pattern.MULTILINE);
    private final Path socket = Cluster.stateDir().resolve("run/admin.sock");
    /** The replicas the replicas listener routes to now: the one changed, and the other. */
    private String changed;
    private String other;

    @BeforeEach
    void aSettledClusterWithTwoReplicas() throws Exception {
        Cluster.cluster("wait", "120");
        List<String> replicas = new ArrayList<>();
        await().atMost(WITHIN).untilAsserted(() -> {
            replicas.clear();
            for (String node : List.of("pg01", "pg02", "pg03")) {
                if (Cluster.csvRow("replicas", node).get("status").equals("UP")) {
                    replicas.add(node);
                }
            }
            assertThat(replicas).hasSize(2);
        });
        changed = replicas.get(0);
        other = replicas.get(1);
    }

    @AfterEach
    void everythingBackAsConfigured() throws Exception {
        cli("enable frontend replicas; enable frontend primary; set server replicas/" + changed + " state ready;"
                + " set weight replicas/" + changed + " 1; enable server primary/" + Cluster.primaryNode());
        await().atMost(WITHIN).until(() -> Cluster.csvRow("replicas", changed).get("status").equals("UP"));
    }

    /** Sends {@code commands} through socat, as an operator would: {@code echo "..." | socat stdio SOCKET}. */
    private String cli(String commands) {
        return run(List.of("socat", "stdio", "unix-connect:" + socket), commands + "\n", Map.of());
    }

    /** Runs a client of the socket with Debian's PATH (a pyenv python earlier on PATH lacks Debian's modules). */
    private static String run(List<String> command, String input, Map<String, String> env) {
        Map<String, String> withPath = new java.util.HashMap<>(env);
        withPath.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        return Cluster.run(command, input, withPath, Duration.ofMinutes(2));
    }

    private static String status(String listener, String server) throws IOException {
        return Cluster.csvRow(listener, server).get("status");
    }

    /** A session through the replicas port that landed on {@code node}: new ones until one does. */
    private static Connection sessionOn(String node) throws SQLException {
        for (int i = 0; i < 20; i++) {
            Connection c = Cluster.connect(REPLICA_PORT, "postgres");
            if (Cluster.NODE_BY_ADDRESS.get(Cluster.scalar(c, "select host(inet_server_addr())")).equals(node)) {
                return c;
            }
            c.close();
        }
        throw new AssertionError("no session through " + REPLICA_PORT + " landed on " + node);
    }

    private static List<String> landingsOnTheReplicaPort(int sessions) throws SQLException {
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            nodes.add(Cluster.land(REPLICA_PORT).node());
        }
        return nodes;
    }

    @Test
    void everyReadCommandAnswersInHaproxysFormatThroughSocat() throws Exception {
        assertThat(cli("show info")).startsWith("Name: patroxy\nVersion: 2.6.0-patroxy-")
                .contains("\nPid: " + Cluster.pid("patroxy") + "\n", "\nUptime_sec: ", "\nCurrConns: ");
        String csv = cli("show stat");
        assertThat(csv.lines().findFirst().orElseThrow()).isEqualTo(Cluster.http("/;csv").lines().findFirst()
                .orElseThrow()).startsWith("# pxname,svname,qcur,qmax,scur,smax,slim,stot,");
        assertThat(csv).contains("\nprimary,FRONTEND,", "\nreplicas," + changed + ",", "\nreplicas,BACKEND,");
        assertThat(cli("show stat typed")).contains("F.1.0.17.status.1:SOS:str:OPEN");
        assertThat(cli("show servers state replicas")).startsWith("1\n# be_id be_name srv_id srv_name srv_addr")
                .containsPattern("\n2 replicas \\d " + changed + " 10\\.29\\.0\\.\\d+ 2 0 1 1 ");
        assertThat(cli("show backend")).startsWith("# name\nprimary\nreplicas\n");
        assertThat(cli("show cluster")).contains("leader: " + Cluster.primaryNode(), changed, other);
        assertThat(cli("show events")).doesNotContain("Unknown command");
        assertThat(cli("help")).contains("show servers state", "set server", "disable frontend");
        assertThat(cli("set timeout cli 30; show backend")).startsWith("\n# name\nprimary\nreplicas\n");
        assertThat(cli("prompt\nshow backend\nquit")).startsWith("\n> # name\nprimary\nreplicas\n").endsWith("\n> ");
        assertThat(cli("show nonsense")).contains("Unknown command");
        assertThat(cli("set server replicas/nosuch state drain")).isEqualTo("No such server.\n\n");
        assertThat(cli("\u0000\u0001\u00ff junk; show backend")).contains("Unknown command", "# name\nprimary\n");
    }

    @Test
    void weightZeroSendsNewSessionsToTheOtherReplicaAndDrainKeepsTheOpenOne() throws Exception {
        assertThat(cli("set weight replicas/" + changed + " 0")).isEqualTo("\n");
        assertThat(cli("get weight replicas/" + changed)).isEqualTo("0 (initial 1)\n\n");
        assertThat(landingsOnTheReplicaPort(6)).containsOnly(other);
        assertThat(cli("set weight replicas/" + changed + " 100%")).isEqualTo("\n");
        assertThat(cli("get weight replicas/" + changed)).isEqualTo("1 (initial 1)\n\n");

        try (Connection open = sessionOn(changed)) {
            assertThat(cli("set server replicas/" + changed + " state drain")).isEqualTo("\n");
            await().atMost(WITHIN).until(() -> status("replicas", changed).equals("DRAIN"));
            assertThat(landingsOnTheReplicaPort(6)).containsOnly(other);
            assertThat(Cluster.scalar(open, "select 1")).as("a drained server keeps its sessions").isEqualTo("1");
            assertThat(cli("show servers state replicas")).containsPattern("\n2 replicas \\d " + changed
                    + " \\S+ 2 8 1 1 ");
            assertThat(cli("set server replicas/" + changed + " state ready")).isEqualTo("\n");
            await().atMost(WITHIN).until(() -> status("replicas", changed).equals("UP"));
        }
    }

    @Test
    void maintCutsTheSessionsOfTheServerAndEnableBringsItBackThroughACheck() throws Exception {
        try (Connection open = sessionOn(changed)) {
            assertThat(cli("disable server replicas/" + changed)).isEqualTo("\n");
            await().atMost(WITHIN).until(() -> status("replicas", changed).equals("MAINT"));
            assertThatThrownBy(() -> Cluster.scalar(open, "select 1")).as("cut by maint")
                    .isInstanceOf(SQLException.class);
        }
        assertThat(cli("show servers state replicas")).containsPattern("\n2 replicas \\d " + changed
                + " \\S+ 0 1 1 1 ");
        assertThat(landingsOnTheReplicaPort(4)).containsOnly(other);
        assertThat(Files.readString(Cluster.stateDir().resolve("server-state")))
                .as("admin.state-file, written after the change").contains("replicas " + changed + " MAINT 1 1");
        assertThat(cli("enable server replicas/" + changed)).isEqualTo("\n");
        await().atMost(WITHIN).until(() -> status("replicas", changed).equals("UP"));
        assertThat(landingsOnTheReplicaPort(6)).contains(changed, other);
    }

    @Test
    void showSessListsASessionAndShutdownEndsItOrEverySessionOfAServer() throws Exception {
        try (Connection first = sessionOn(other); Connection second = sessionOn(other)) {
            String sessions = cli("show sess");
            Matcher m = SESSION_ID.matcher(sessions);
            assertThat(m.find()).as("a replicas session in:%n%s", sessions).isTrue();
            assertThat(sessions).contains("srv=" + other);
            String id = m.group(1);
            assertThat(cli("shutdown session " + id)).isEqualTo("\n");
            await().atMost(WITHIN).until(() -> !cli("show sess").contains(id + ":"));
            long alive = 0;
            for (Connection c : List.of(first, second)) {
                try {
                    Cluster.scalar(c, "select 1");
                    alive++;
                } catch (SQLException e) {
                    // the one shut down
                }
            }
            assertThat(alive).as("one of the two was shut down by its id").isEqualTo(1);

            assertThat(cli("shutdown sessions server replicas/" + other)).isEqualTo("\n");
            assertThatThrownBy(() -> Cluster.scalar(first, "select 1")).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> Cluster.scalar(second, "select 1")).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void aDisabledFrontendHoldsANewClientThatEnablingLetsThrough() throws Exception {
        assertThat(cli("disable frontend replicas")).isEqualTo("\n");
        await().atMost(WITHIN).until(() -> status("replicas", "FRONTEND").equals("PAUSED"));
        CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> {
            try {
                return Cluster.land(REPLICA_PORT).node();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1500);
        assertThat(held).as("held while the frontend is disabled").isNotDone();

        assertThat(cli("enable frontend replicas")).isEqualTo("\n");

        assertThat(held.get(10, TimeUnit.SECONDS)).isIn(changed, other);
        assertThat(status("replicas", "FRONTEND")).isEqualTo("OPEN");
    }

    @Test
    void maintOnTheOnlyPrimaryHoldsNewClientsAndEnableLetsThemWrite() throws Exception {
        String primary = Cluster.primaryNode();
        assertThat(cli("disable server primary/" + primary)).isEqualTo("\n");
        await().atMost(WITHIN).until(() -> status("primary", primary).equals("MAINT"));
        CompletableFuture<Cluster.Landing> held = CompletableFuture.supplyAsync(() -> {
            try {
                return Cluster.land(PRIMARY_PORT);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(1500);
        assertThat(held).as("no primary while it is in MAINT: held as in a failover").isNotDone();

        assertThat(cli("enable server primary/" + primary)).isEqualTo("\n");

        assertThat(held.get(15, TimeUnit.SECONDS)).isEqualTo(new Cluster.Landing(primary, false));
    }

    @Test
    void setMaxconnChangesTheLimitsUntilTheNextReload() throws Exception {
        assertThat(cli("set maxconn server replicas/" + changed + " 7")).isEqualTo("\n");
        assertThat(cli("set maxconn frontend replicas 50")).isEqualTo("\n");
        assertThat(Cluster.csvRow("replicas", changed).get("slim")).isEqualTo("7");
        assertThat(Cluster.csvRow("replicas", "FRONTEND").get("slim")).isEqualTo("50");
        assertThat(cli("set maxconn global abc")).isEqualTo("Integer value expected.\n\n");

        Cluster.cluster("reload");

        await().atMost(WITHIN).until(() -> Cluster.csvRow("replicas", changed).get("slim").isEmpty());
    }

    /** Ansible from Debian's package, run as a playbook task would be: the module talks to the socket itself. */
    private String ansible(String arguments) {
        return run(List.of("ansible", "localhost", "-c", "local", "-m", "community.general.haproxy", "-a",
                arguments + " socket=" + socket + " wait=yes wait_interval=1 wait_retries=30"), "",
                Map.of("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3", "ANSIBLE_LOCALHOST_WARNING", "False",
                        "ANSIBLE_INVENTORY_UNPARSED_WARNING", "False", "ANSIBLE_NOCOLOR", "1",
                        "HOME", Cluster.stateDir().toString()));
    }

    @Test
    void ansiblesHaproxyModuleDrainsWaitsForTheLastSessionDisablesAndEnables() throws Exception {
        Connection open = sessionOn(changed);
        long started = System.nanoTime();
        CompletableFuture<Void> ends = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(3000);
                open.close();
            } catch (InterruptedException | SQLException e) {
                throw new IllegalStateException(e);
            }
        });

        String disabled = ansible("state=disabled drain=yes host=" + changed + " backend=replicas");

        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        ends.get(10, TimeUnit.SECONDS);
        assertThat(disabled).contains("CHANGED", "set server replicas/" + changed + " state drain",
                "disable server replicas/" + changed).contains("\"status\": \"MAINT\"");
        assertThat(waitedMillis).as("drain=yes waits for the open session to end (3 s) before MAINT")
                .isGreaterThanOrEqualTo(3000);
        assertThat(status("replicas", changed)).isEqualTo("MAINT");

        String enabled = ansible("state=enabled host=" + changed + " backend=replicas");

        assertThat(enabled).contains("CHANGED", "enable server replicas/" + changed, "\"status\": \"UP\"");
        assertThat(status("replicas", changed)).isEqualTo("UP");
    }

    @Test
    void hatopStartsAgainstTheSocketAndListsTheServers(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path screen = dir.resolve("hatop.out");
        // hatop is a curses program: script(1) gives it a pseudo-terminal; 'q' after a few refreshes ends it.
        String shell = "(sleep 4; printf q) | script -qfec 'stty cols 160 rows 40; TERM=xterm hatop -s " + socket
                + "' " + screen + " >/dev/null";
        run(List.of("timeout", "30", "bash", "-c", shell), "", Map.of());
        String shown = Files.readString(screen, StandardCharsets.ISO_8859_1);
        assertThat(shown).contains("patroxy", "primary", "replicas", "pg01", "pg02", "pg03")
                .doesNotContain("Traceback");
    }

    @Test
    void theStateFileKeepsAServerInMaintAcrossARestartOfPatroxy() throws Exception {
        assertThat(cli("disable server replicas/" + changed)).isEqualTo("\n");
        await().atMost(WITHIN).until(() -> status("replicas", changed).equals("MAINT"));

        Cluster.cluster("stop", "patroxy");
        Cluster.cluster("start", "patroxy");

        assertThat(status("replicas", changed)).as("restored before any session").isEqualTo("MAINT");
        assertThat(landingsOnTheReplicaPort(4)).containsOnly(other);
        assertThat(Files.readString(Cluster.patroxyLog())).contains("server state file "
                + Cluster.stateDir().resolve("server-state"));
    }
}
