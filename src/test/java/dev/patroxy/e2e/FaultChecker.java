package dev.patroxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The invariants every fault case keeps, checked the same way each time: patroxy's process is alive and the same
 * one (unless the case restarts it), a normal client connects through 5000 and commits a row within 2 s during the
 * fault and after it, the session and queue gauges return to what they were before the case, patroxy's log has no
 * exception trace since the case began, its resident memory stays under a bound, and every row a probe had
 * acknowledged is on the primary exactly once (a write on a node in recovery cannot commit, and the probe records
 * where each write landed).
 */
final class FaultChecker implements AutoCloseable {
    static final Duration PROBE_DEADLINE = Duration.ofSeconds(2);
    /**
     * How far resident memory may grow during one case. patroxy starts at about 90 MiB; a case that makes it hold
     * what a client sends unread grows it by hundreds. Relative, because the JVM keeps a heap it once grew.
     */
    static final long RSS_GROWTH_BOUND_KIB = 192 * 1024;
    private static final Pattern STACK_FRAME = Pattern.compile("^\\s+at [\\w$.<>/]+\\(.*\\)\\s*$");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    /** Tells this run's probe rows from those of earlier runs on the same cluster. */
    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);

    final String name;
    private final String rowKey;
    private final long logOffset;
    private Map<String, Double> baseline;
    private long startRssKib;
    private long pid;
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private volatile long peakRssKib;
    private final long startedNanos = System.nanoTime();

    /** One probe write: its key, whether it was acknowledged, how long it took, where it landed. */
    record Attempt(int seq, String phase, boolean acknowledged, long millis, String node, boolean inRecovery,
            String error) {
        boolean inTime() {
            return acknowledged && millis <= PROBE_DEADLINE.toMillis();
        }
    }

    private FaultChecker(String name) throws IOException {
        this.name = name;
        this.rowKey = name + " @" + RUN;
        this.pid = Cluster.pid("patroxy");
        this.logOffset = Files.size(Cluster.patroxyLog());
        this.baseline = gauges();
        this.startRssKib = rssKib(pid);
        this.peakRssKib = startRssKib;
    }

    /** Takes the baseline; the case's fault starts after this, once a first probe has written. */
    static FaultChecker begin(String name) throws Exception {
        FaultChecker checker = new FaultChecker(name);
        checker.assertProbeWrites("before");
        return checker;
    }

    /** The table probes write to, one row per attempt. */
    static void createProbeTable() throws SQLException {
        try (Connection c = Cluster.connect(Cluster.PRIMARY_PORT, "demo")) {
            c.createStatement().execute("create table if not exists fault_probe"
                    + " (case_name text not null, seq int not null, node inet, at timestamptz default now())");
        }
    }

    /** A probe write now; fails the case unless it was acknowledged within 2 s. */
    Attempt assertProbeWrites(String phase) {
        Attempt attempt = probe(phase);
        assertThat(attempt.inTime()).as("%s: a normal client writes through 5000 within %s (%s): %s", name,
                PROBE_DEADLINE, phase, attempt).isTrue();
        return attempt;
    }

    /** Writes one row through 5000 and records what happened. */
    Attempt probe(String phase) {
        int seq = SEQUENCE.incrementAndGet();
        long start = System.nanoTime();
        Attempt attempt;
        try (Connection c = probeConnection();
                PreparedStatement insert = c.prepareStatement("insert into fault_probe (case_name, seq, node)"
                        + " values (?, ?, inet_server_addr()) returning host(inet_server_addr()), pg_is_in_recovery()")) {
            insert.setString(1, rowKey);
            insert.setInt(2, seq);
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                attempt = new Attempt(seq, phase, true, millisSince(start),
                        Cluster.NODE_BY_ADDRESS.getOrDefault(rs.getString(1), rs.getString(1)), rs.getBoolean(2), null);
            }
        } catch (SQLException e) {
            attempt = new Attempt(seq, phase, false, millisSince(start), null, false,
                    e.getSQLState() + " " + e.getMessage());
        }
        attempts.add(attempt);
        sampleRss();
        return attempt;
    }

    /** pgjdbc's timeouts are whole seconds: 3 s ends a hung attempt, the 2 s deadline is checked on the clock. */
    private static Connection probeConnection() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", Cluster.PASSWORD);
        props.setProperty("connectTimeout", "3");
        props.setProperty("loginTimeout", "3");
        props.setProperty("socketTimeout", "3");
        props.setProperty("sslmode", "disable");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + Cluster.PRIMARY_PORT + "/demo", props);
    }

    /** Probes every 250 ms on a thread of its own until closed: the "during" half of the invariant. */
    Probing probing(String phase) {
        return new Probing(phase);
    }

    final class Probing implements AutoCloseable {
        private volatile boolean stopped;
        private final String phase;
        private final Thread thread;

        private Probing(String phase) {
            this.phase = phase;
            this.thread = new Thread(this::run, "probe-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        /** At least one probe, however short the fault. */
        private void run() {
            do {
                probe(phase);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            } while (!stopped);
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            thread.join(10_000);
        }
    }

    List<Attempt> attempts(String phase) {
        return attempts.stream().filter(a -> a.phase().equals(phase)).toList();
    }

    /** Every probe of {@code phase} was acknowledged within 2 s, and there was at least one. */
    void assertAllInTime(String phase) {
        List<Attempt> during = attempts(phase);
        assertThat(during).as("%s: probes %s", name, phase).isNotEmpty();
        assertThat(during).as("%s: every probe %s writes through 5000 within %s", name, phase, PROBE_DEADLINE)
                .allMatch(Attempt::inTime);
    }

    /**
     * The patroxy process of this case is now {@code newPid} (the SIGKILL case): it starts from nothing but the
     * standby cluster's replication stream through 5000 (deploy/cluster up --standby), which reconnects by itself.
     */
    void patroxyReplacedBy(long newPid) {
        this.pid = newPid;
        double standbyStream = Cluster.standby() ? 1.0 : 0.0;
        this.baseline.replaceAll((gauge, value) -> 0.0);
        this.baseline.put("client sessions", standbyStream);
        this.baseline.put("server sessions", standbyStream);
        this.startRssKib = rssKib(newPid);
        this.peakRssKib = startRssKib;
    }

    long pid() {
        return pid;
    }

    long peakRssKib() {
        return peakRssKib;
    }

    void sampleRss() {
        long rss = rssKib(pid);
        if (rss > peakRssKib) {
            peakRssKib = rss;
        }
    }

    /**
     * The "after" half: a probe in time, the gauges back to the baseline within 20 s, the same process, a log free
     * of exception traces, RSS under the bound, and the acknowledged rows on the primary exactly once.
     */
    @Override
    public void close() throws Exception {
        List<AssertionError> broken = new ArrayList<>();
        keep(broken, () -> {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> probe("after").inTime());
            assertProbeWrites("after");
        });
        keep(broken, () -> assertThat(Cluster.pid("patroxy")).as("%s: patroxy's pid", name).isEqualTo(pid));
        keep(broken, this::assertGaugesBack);
        sampleRss();
        keep(broken, () -> assertThat(exceptionTraces()).as("%s: exception traces in %s since the case began", name,
                Cluster.patroxyLog()).isEmpty());
        keep(broken, () -> assertThat(peakRssKib - startRssKib).as("%s: growth of patroxy's RSS (KiB) from %d MiB",
                name, startRssKib / 1024).isLessThan(RSS_GROWTH_BOUND_KIB));
        keep(broken, this::assertRowsExactlyOnce);
        System.out.printf("[fault] %s: %d probes (%d failed), slowest acknowledged %d ms, RSS %d -> peak %d MiB,"
                + " %.1f s, %d invariants broken%n", name, attempts.size(),
                attempts.stream().filter(a -> !a.acknowledged()).count(),
                attempts.stream().filter(Attempt::acknowledged).mapToLong(Attempt::millis).max().orElse(-1),
                startRssKib / 1024, peakRssKib / 1024, (System.nanoTime() - startedNanos) / 1e9, broken.size());
        if (!broken.isEmpty()) {
            AssertionError all = new AssertionError(name + ": " + broken.size() + " invariant(s) broken: "
                    + broken.stream().map(e -> e.getMessage().strip().replaceAll("\\s+", " ")).toList());
            broken.forEach(all::addSuppressed);
            throw all;
        }
    }

    /** Every invariant is checked even when one before it broke, so a case reports all it broke at once. */
    private interface Check {
        void run() throws Exception;
    }

    private static void keep(List<AssertionError> broken, Check check) throws Exception {
        try {
            check.run();
        } catch (AssertionError | ConditionTimeoutException e) {
            broken.add(e instanceof AssertionError a ? a : new AssertionError(e.getMessage(), e));
        }
    }

    private void assertGaugesBack() {
        AtomicReference<Map<String, Double>> last = new AtomicReference<>();
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> {
                        last.set(gauges());
                        return differences(last.get()).isEmpty();
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + ": gauges still above their baseline after 20 s: "
                    + (last.get() == null ? "stats did not answer" : differences(last.get())), e);
        }
    }

    private void assertRowsExactlyOnce() throws SQLException {
        assertThat(attempts).as("%s: no acknowledged probe landed on a node in recovery", name)
                .noneMatch(a -> a.acknowledged() && a.inRecovery());
        Map<Integer, Integer> rows = new HashMap<>();
        try (Connection c = Cluster.connectDirect(Cluster.primaryNode(), "demo");
                PreparedStatement select = c.prepareStatement(
                        "select seq, count(*) from fault_probe where case_name = ? group by seq")) {
            select.setString(1, rowKey);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getInt(1), rs.getInt(2));
                }
            }
        }
        for (Attempt attempt : attempts) {
            int count = rows.getOrDefault(attempt.seq(), 0);
            if (attempt.acknowledged()) {
                assertThat(count).as("%s: rows on the primary for acknowledged probe %s", name, attempt).isEqualTo(1);
            } else {
                assertThat(count).as("%s: rows for unacknowledged probe %s", name, attempt).isLessThanOrEqualTo(1);
            }
        }
        Set<Integer> known = new HashSet<>();
        attempts.forEach(a -> known.add(a.seq()));
        assertThat(rows.keySet()).as("%s: rows no probe wrote", name).isSubsetOf(known);
    }

    private Map<String, String> differences(Map<String, Double> now) {
        Map<String, String> diff = new TreeMap<>();
        baseline.forEach((series, before) -> {
            Double after = now.get(series);
            if (after == null || after > before) {
                diff.put(series, before + " -> " + after);
            }
        });
        return diff;
    }

    /**
     * What sessions hold, summed from /metrics: client sessions (counting those a reload left draining under the
     * configuration before, so a reload moves nothing), sessions on servers (the configuration in force only),
     * held clients, and sessions queued for a server. None may end a case above where it began: what a case
     * leaves counted there is a leak. One may end below (a reload drains server sessions into the first total, a
     * restart starts from zero).
     */
    static Map<String, Double> gauges() throws IOException {
        Map<String, Double> series = new TreeMap<>();
        for (String line : Cluster.http("/metrics").split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String metric = line.substring(0, brace > 0 && brace < space ? brace : space);
            series.merge(metric, Double.parseDouble(line.substring(space + 1)), Double::sum);
        }
        double draining = series.getOrDefault("patroxy_config_draining_sessions", 0.0);
        Map<String, Double> totals = new TreeMap<>();
        totals.put("client sessions", series.getOrDefault("haproxy_frontend_current_sessions", 0.0) + draining);
        totals.put("server sessions", series.getOrDefault("haproxy_server_current_sessions", 0.0));
        totals.put("held clients", series.getOrDefault("patroxy_frontend_held_clients", 0.0));
        totals.put("queued sessions", series.getOrDefault("haproxy_server_current_queue", 0.0)
                + series.getOrDefault("haproxy_backend_current_queue", 0.0));
        return totals;
    }

    /** Stack traces patroxy logged since the case began: each frame's header line and first frames. */
    List<String> exceptionTraces() throws IOException {
        List<String> traces = new ArrayList<>();
        try (RandomAccessFile log = new RandomAccessFile(Cluster.patroxyLog().toFile(), "r")) {
            log.seek(logOffset);
            byte[] rest = new byte[(int) Math.min(log.length() - logOffset, 64L << 20)];
            log.readFully(rest);
            String[] lines = new String(rest, StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (STACK_FRAME.matcher(lines[i]).matches() && (i == 0 || !STACK_FRAME.matcher(lines[i - 1]).matches())) {
                    traces.add((i > 0 ? lines[i - 1] : "") + " / " + lines[i].strip());
                }
            }
        }
        return traces;
    }

    static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    /** User plus system CPU time of a process, in clock ticks (1/100 s here). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static long openFiles(long pid) throws IOException {
        try (var files = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return files.count();
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
