package dev.patroxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.awaitility.Awaitility;

/**
 * The cluster that {@code deploy/cluster up --fast} started, as the end-to-end tests reach it; with {@code --tls} the
 * same cluster, whose REST APIs and etcd then speak HTTPS (patroxy's stats page stays plain HTTP).
 */
final class Cluster {
    static final String PASSWORD = "gfhjkm";
    static final int PRIMARY_PORT = 5000;
    static final int REPLICA_PORT = 5001;
    /** patroxy's listener for the standby cluster's leader ({@code deploy/cluster up --standby}). */
    static final int STANDBY_PORT = 5003;
    /** The standby cluster's one member (scope otus-standby), which replicates from otus through port 5000. */
    static final String STANDBY_NODE = "standby01";
    static final String STATS = "http://127.0.0.1:7000";
    static final Map<String, String> NODE_BY_ADDRESS = Map.of(
            "10.29.0.11", "pg01", "10.29.0.12", "pg02", "10.29.0.13", "pg03", "10.29.0.21", STANDBY_NODE);

    static final Map<String, String> ADDRESS_BY_NODE = Map.of(
            "pg01", "10.29.0.11", "pg02", "10.29.0.12", "pg03", "10.29.0.13", STANDBY_NODE, "10.29.0.21");

    static final String ETCD_ADDRESS = "10.29.0.10";

    private static final OkHttpClient HTTP = new OkHttpClient.Builder()
            .callTimeout(Duration.ofSeconds(10)).build();

    private Cluster() {
    }

    static Path repo() {
        return Path.of(System.getProperty("patroxy.repo", "../..")).toAbsolutePath().normalize();
    }

    /** deploy/cluster's state directory: patroxy.yml, log/, run/. */
    static Path stateDir() {
        return Path.of(System.getenv().getOrDefault("PATROXY_CLUSTER_DIR", "/var/tmp/patroxy-cluster"));
    }

    /** The CA and certificates of {@code up --tls}; a CA file there makes the cluster a TLS one, as for the script. */
    static Path tlsDir() {
        return stateDir().resolve("tls");
    }

    static boolean tls() {
        return Files.isRegularFile(tlsDir().resolve("ca.pem"));
    }

    /** Whether {@code deploy/cluster up --standby} made the standby cluster in this state directory. */
    static boolean standby() {
        return Files.isRegularFile(stateDir().resolve(STANDBY_NODE).resolve("patroni.yml"));
    }

    /** A node's Patroni REST API, on HTTPS when the cluster runs with TLS. */
    static String restApi(String node) {
        return (tls() ? "https" : "http") + "://" + ADDRESS_BY_NODE.get(node) + ":8008";
    }

    /** etcd's client URL, on HTTPS when the cluster runs with TLS. */
    static String etcd() {
        return (tls() ? "https" : "http") + "://" + ETCD_ADDRESS + ":2379";
    }

    static Path patroxyConfig() {
        return stateDir().resolve("patroxy.yml");
    }

    static Path patroxyLog() {
        return stateDir().resolve("log/patroxy.log");
    }

    /** The pid of a daemon deploy/cluster started (etcd, pg01..pg03, patroxy). */
    static long pid(String daemon) {
        return Long.parseLong(cluster("pid", daemon).strip());
    }

    /** Runs {@code deploy/cluster ARGS...} and returns its output; fails the test if it fails. */
    static String cluster(String... args) {
        List<String> command = new ArrayList<>();
        command.add(repo().resolve("deploy/cluster").toString());
        command.addAll(List.of(args));
        return run(command, Duration.ofMinutes(3));
    }

    static String run(List<String> command, Duration timeout) {
        return run(command, "", Map.of("PGPASSWORD", PASSWORD), timeout);
    }

    /** Runs {@code command} with {@code input} on its standard input and {@code env} added to its environment. */
    static String run(List<String> command, String input, Map<String, String> env, Duration timeout) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish in " + timeout);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError(command + " exited " + process.exitValue() + ":\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A session straight to a node's PostgreSQL, bypassing patroxy. */
    static Connection connectDirect(String node, String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", PASSWORD);
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "120");
        props.setProperty("sslmode", "disable");
        return DriverManager.getConnection("jdbc:postgresql://" + ADDRESS_BY_NODE.get(node) + ":5432/" + database,
                props);
    }

    /** The node Patroni names leader, asked of each node's PostgreSQL directly. */
    static String primaryNode() throws SQLException {
        for (String node : List.of("pg01", "pg02", "pg03")) {
            try (Connection c = connectDirect(node, "postgres")) {
                if (scalar(c, "select pg_is_in_recovery()").equals("f")) {
                    return node;
                }
            } catch (SQLException e) {
                // a node that is down or restarting is not the primary
            }
        }
        throw new SQLException("no node is out of recovery");
    }

    /** Switches over to {@code node} unless it leads already, and waits for 5000 and the replicas to follow. */
    static void leadOn(String node) throws SQLException {
        cluster("wait", "120");
        String primary = primaryNode();
        if (!primary.equals(node)) {
            cluster("patronictl", "switchover", "--master", primary, "--candidate", node, "--force");
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> land(PRIMARY_PORT).equals(new Landing(node, false)));
            cluster("wait", "120");
        }
    }

    /** Runs one statement in a new session through the primary port. */
    static void executeOnPrimaryPort(String database, String sql) throws SQLException {
        try (Connection c = connect(PRIMARY_PORT, database); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Runs Debian's pgbench through the primary port with libpq's {@code sslmode}; returns its output. */
    static String pgbench(String sslmode, String... args) {
        List<String> command = new ArrayList<>(List.of("env", "PGSSLMODE=" + sslmode,
                "/usr/lib/postgresql/15/bin/pgbench", "-h", "127.0.0.1", "-p", Integer.toString(PRIMARY_PORT),
                "-U", "postgres"));
        command.addAll(List.of(args));
        return run(command, Duration.ofMinutes(5));
    }

    /** Waits for {@code node}, healed after a fault, to stream from the primary again. */
    static void awaitRejoined(String node) {
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .untilAsserted(() -> {
                    try (Connection c = connect(PRIMARY_PORT, "postgres")) {
                        assertThat(scalar(c, "select count(*) from pg_stat_replication"
                                + " where state = 'streaming' and application_name = '" + node + "'"))
                                .as("%s rejoined as a streaming replica", node).isEqualTo("1");
                    }
                });
    }

    /** A new session through patroxy on {@code port}. */
    static Connection connect(int port, String database) throws SQLException {
        return connect(port, database, Duration.ofSeconds(30));
    }

    /** A new session through patroxy; a query waits at most {@code socketTimeout} for an answer (zero: forever). */
    static Connection connect(int port, String database, Duration socketTimeout) throws SQLException {
        return connect(port, database, socketTimeout, Map.of("sslmode", "disable"));
    }

    /** A new session through patroxy with pgjdbc's TLS settings {@code ssl} (sslmode, sslrootcert, ...). */
    static Connection connect(int port, String database, Duration socketTimeout, Map<String, String> ssl)
            throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", PASSWORD);
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        props.putAll(ssl);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, props);
    }

    /** Which node a new session on {@code port} lands on, and whether that node is in recovery. */
    static Landing land(int port) throws SQLException {
        try (Connection c = connect(port, "postgres"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select host(inet_server_addr()), pg_is_in_recovery()")) {
            rs.next();
            return new Landing(NODE_BY_ADDRESS.getOrDefault(rs.getString(1), rs.getString(1)), rs.getBoolean(2));
        }
    }

    record Landing(String node, boolean inRecovery) {
    }

    static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static String http(String path) throws IOException {
        try (Response response = HTTP.newCall(new Request.Builder().url(STATS + path).build()).execute()) {
            if (response.code() != 200) {
                throw new AssertionError(path + " answered " + response.code());
            }
            return response.body().string();
        }
    }

    /** The CSV row of one server on one listener, split into HAProxy's columns. */
    static Map<String, String> csvRow(String listener, String server) throws IOException {
        String[] lines = http("/;csv").split("\n");
        String[] header = lines[0].substring(2).split(",", -1);
        for (String line : lines) {
            String[] fields = line.split(",", -1);
            if (fields.length > 1 && fields[0].equals(listener) && fields[1].equals(server)) {
                Map<String, String> row = new java.util.LinkedHashMap<>();
                for (int i = 0; i < header.length && i < fields.length; i++) {
                    row.put(header[i], fields[i]);
                }
                return row;
            }
        }
        throw new AssertionError("no CSV row for " + listener + "/" + server);
    }
}
