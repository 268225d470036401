// bench/lib/FailoverProbe.java: the clients of bench/failover. One process, one thread per client:
//   - per proxy, a client that opens a new connection every --interval ms, asks which node it reached and
//     whether that node is in recovery, and (if not) inserts one row;
//   - per proxy, one long-lived session inserting a row every --long-interval ms; when it breaks, it
//     reconnects and goes on;
//   - per node, a direct session to the node's PostgreSQL inserting a row every --interval ms: it shows when
//     each node accepts writes.
// Every attempt is one CSV line in --out (times in microseconds since the epoch, one clock for all threads);
// every row inserted is (run, "KIND:VIA", seq), so the driver can tell afterwards which acknowledged writes
// the cluster kept.
//
// The driver talks to it through files in --control: the probe creates `ready` once every client has written
// once; the driver creates `disrupt` holding the disruption's start (epoch microseconds); the probe then
// stops by itself once every proxy's clients have written on a node other than --old for --settle seconds,
// or --cap seconds after the disruption, and writes `done` ("settled|capped|no-disrupt MICROS").
//
// Run with Java's single-file source launcher or compiled: java -cp postgresql.jar FailoverProbe.java ARGS
// (no package: the source launcher needs none).

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

public final class FailoverProbe {
	private static final long EPOCH0_US;
	private static final long NANO0;

	static {
		Instant now = Instant.now();
		NANO0 = System.nanoTime();
		EPOCH0_US = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
	}

	/** Wall-clock microseconds, advanced by the monotonic clock: no step inside a run. */
	static long nowUs() {
		return EPOCH0_US + (System.nanoTime() - NANO0) / 1_000;
	}

	static final String HEADER = "client,via,seq,start_us,end_us,outcome,code,phase,node,conn,msg";
	static final String INSERT = "insert into failover_probe(run, via, seq, node, in_recovery) "
			+ "select ?, ?, ?, host(inet_server_addr()), pg_is_in_recovery() returning node";

	// --- settings ---------------------------------------------------------------------------------------
	final Map<String, String> proxies = new LinkedHashMap<>();   // name -> host:port
	final Map<String, String> directs = new LinkedHashMap<>();   // node name -> host:port
	final Map<String, String> nodeByIp = new LinkedHashMap<>();
	Path out;
	Path control;
	String run = "probe";
	String old = "";
	String db = "postgres";
	String user = "postgres";
	String password = System.getenv().getOrDefault("PGPASSWORD", "");
	long intervalMs = 50;
	long longIntervalMs = 100;
	long settleMs = 5_000;
	long capMs = 90_000;
	long maxRunMs = 600_000;
	int timeoutS = 10;
	/** The new-connection client's timeouts: a client that waits out a proxy's hold (pgjdbc's own default is to wait forever). */
	int newSessionTimeoutS = 40;

	// --- state ------------------------------------------------------------------------------------------
	final org.postgresql.Driver driver = new org.postgresql.Driver();
	BufferedWriter csv;
	boolean closed;   // guarded by this: rows after the end are dropped
	volatile boolean stop;
	volatile long t0Us;   // the disruption's start; 0 before
	final List<Client> clients = new ArrayList<>();

	abstract class Client implements Runnable {
		final String kind;
		final String via;
		final String host;
		final int port;
		long seq;
		volatile long inflightStart;   // 0 when no attempt is under way
		volatile String inflightPhase = "";
		final AtomicLong oks = new AtomicLong();
		/** End of the first write after the disruption on a node other than --old; 0 before. */
		final AtomicLong firstOkElsewhere = new AtomicLong();

		Client(String kind, String via, String hostPort) {
			this.kind = kind;
			this.via = via;
			int colon = hostPort.lastIndexOf(':');
			this.host = hostPort.substring(0, colon);
			this.port = Integer.parseInt(hostPort.substring(colon + 1));
		}

		Connection connect() throws SQLException {
			return connect(timeoutS);
		}

		Connection connect(int timeoutS) throws SQLException {
			Properties p = new Properties();
			p.setProperty("user", user);
			p.setProperty("password", password);
			p.setProperty("sslmode", "disable");
			p.setProperty("gssEncMode", "disable");
			p.setProperty("connectTimeout", Integer.toString(timeoutS));
			p.setProperty("socketTimeout", Integer.toString(timeoutS));
			p.setProperty("ApplicationName", "failover-probe");
			Connection c = driver.connect("jdbc:postgresql://" + host + ":" + port + "/" + db, p);
			if (c == null) {
				throw new SQLException("driver refused the URL");
			}
			c.setAutoCommit(true);
			return c;
		}

		void begin(String phase) {
			inflightPhase = phase;
			if (inflightStart == 0) {
				inflightStart = nowUs();
			}
		}

		void ok(long start, String phase, String node, int conn) {
			long end = nowUs();
			inflightStart = 0;
			oks.incrementAndGet();
			long t0 = t0Us;
			if (t0 != 0 && end >= t0 && !node.equals(old)) {
				firstOkElsewhere.compareAndSet(0, end);
			}
			row(kind, via, seq, start, end, "ok", "", phase, node, conn, "");
		}

		void fail(long start, String outcome, Throwable e, String phase, String node, int conn) {
			long end = nowUs();
			inflightStart = 0;
			row(kind, via, seq, start, end, outcome, code(e), phase, node, conn, message(e));
		}

		void pace(long start, long everyMs) {
			long next = start + everyMs * 1_000;
			long wait = next - nowUs();
			if (wait > 0) {
				sleepUs(wait);
			}
		}
	}

	/** A new connection per attempt: which node, in recovery or not, then one insert. */
	final class NewConnClient extends Client {
		NewConnClient(String via, String hostPort) {
			super("new", via, hostPort);
		}

		@Override
		public void run() {
			while (!stop) {
				long start = nowUs();
				seq++;
				begin("connect");
				String phase = "connect";
				String node = "";
				try (Connection c = connect(newSessionTimeoutS)) {
					phase = "query";
					inflightPhase = phase;
					boolean recovery;
					try (PreparedStatement s = c.prepareStatement("select host(inet_server_addr()), pg_is_in_recovery()");
							ResultSet r = s.executeQuery()) {
						r.next();
						node = name(r.getString(1));
						recovery = r.getBoolean(2);
					}
					if (recovery) {
						inflightStart = 0;
						row(kind, via, seq, start, nowUs(), "recovery", "", phase, node, 0, "pg_is_in_recovery");
					} else {
						phase = "insert";
						inflightPhase = phase;
						insert(c, kind + ":" + via, seq);
						ok(start, phase, node, 0);
					}
				} catch (SQLException | RuntimeException e) {
					fail(start, "fail", e, phase, node, 0);
				}
				pace(start, intervalMs);
			}
		}
	}

	/** One session kept open, a write every --long-interval ms; reconnects when it breaks. */
	final class LongClient extends Client {
		LongClient(String via, String hostPort) {
			super("long", via, hostPort);
		}

		@Override
		public void run() {
			Connection c = null;
			String node = "";
			int conn = 0;
			while (!stop) {
				long start = nowUs();
				seq++;
				if (c == null) {
					begin("connect");
					conn++;
					node = "";
					try {
						c = connect();
						try (PreparedStatement s = c.prepareStatement("select host(inet_server_addr()), pg_is_in_recovery()");
								ResultSet r = s.executeQuery()) {
							r.next();
							node = name(r.getString(1));
							if (r.getBoolean(2)) {
								inflightStart = 0;
								row(kind, via, seq, start, nowUs(), "recovery", "", "connect", node, conn, "pg_is_in_recovery");
								closeQuietly(c);
								c = null;
								pace(start, longIntervalMs);
								continue;
							}
						}
						inflightStart = 0;
						row(kind, via, seq, start, nowUs(), "connected", "", "connect", node, conn, "");
						seq++;
						start = nowUs();
					} catch (SQLException | RuntimeException e) {
						fail(start, "fail", e, "connect", node, conn);
						closeQuietly(c);
						c = null;
						pace(start, longIntervalMs);
						continue;
					}
				}
				begin("insert");
				try {
					node = insert(c, kind + ":" + via, seq);
					ok(start, "insert", node, conn);
				} catch (SQLException | RuntimeException e) {
					fail(start, "fail", e, "insert", node, conn);
					closeQuietly(c);
					c = null;
				}
				pace(start, longIntervalMs);
			}
			closeQuietly(c);
		}
	}

	/** A session straight to one node: when does it accept writes? A replica's 25006 keeps the session. */
	final class DirectClient extends Client {
		DirectClient(String node, String hostPort) {
			super("direct", node, hostPort);
		}

		@Override
		public void run() {
			Connection c = null;
			int conn = 0;
			while (!stop) {
				long start = nowUs();
				seq++;
				String phase = "insert";
				begin(c == null ? "connect" : "insert");
				try {
					if (c == null) {
						phase = "connect";
						conn++;
						c = connect();
						phase = "insert";
						inflightPhase = phase;
					}
					insert(c, kind + ":" + via, seq);
					ok(start, phase, via, conn);
				} catch (SQLException e) {
					if ("25006".equals(e.getSQLState())) {   // read-only: in recovery, the session is fine
						fail(start, "recovery", e, phase, via, conn);
					} else {
						fail(start, "fail", e, phase, via, conn);
						closeQuietly(c);
						c = null;
					}
				} catch (RuntimeException e) {
					fail(start, "fail", e, phase, via, conn);
					closeQuietly(c);
					c = null;
				}
				pace(start, intervalMs);
			}
			closeQuietly(c);
		}
	}

	String insert(Connection c, String via, long seq) throws SQLException {
		try (PreparedStatement s = c.prepareStatement(INSERT)) {
			s.setString(1, run);
			s.setString(2, via);
			s.setLong(3, seq);
			try (ResultSet r = s.executeQuery()) {
				r.next();
				return name(r.getString(1));
			}
		}
	}

	String name(String ip) {
		return ip == null ? "" : nodeByIp.getOrDefault(ip, ip);
	}

	/** SQLSTATE, with the root cause's class for I/O failures ("08006/EOFException"); else the class. */
	static String code(Throwable e) {
		Throwable root = e;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String state = e instanceof SQLException s ? s.getSQLState() : null;
		if (state == null) {
			return root == e ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + "/" + root.getClass().getSimpleName();
		}
		return root == e ? state : state + "/" + root.getClass().getSimpleName();
	}

	static String message(Throwable e) {
		String m = String.valueOf(e.getMessage());
		int nl = m.indexOf('\n');
		if (nl >= 0) {
			m = m.substring(0, nl);
		}
		m = m.replace(',', ';').replace('"', '\'');
		return m.length() > 120 ? m.substring(0, 120) : m;
	}

	synchronized void row(String kind, String via, long seq, long start, long end, String outcome, String code,
			String phase, String node, int conn, String msg) {
		if (closed) {
			return;
		}
		try {
			csv.write(kind + "," + via + "," + seq + "," + start + "," + end + "," + outcome + "," + code + "," + phase
					+ "," + node + "," + conn + "," + msg);
			csv.newLine();
		} catch (IOException e) {
			throw new IllegalStateException("cannot write " + out, e);
		}
	}

	synchronized void flush() {
		try {
			csv.flush();
		} catch (IOException e) {
			throw new IllegalStateException("cannot write " + out, e);
		}
	}

	static void closeQuietly(Connection c) {
		if (c != null) {
			try {
				c.close();
			} catch (SQLException | RuntimeException ignored) {
				// already broken
			}
		}
	}

	static void sleepUs(long us) {
		try {
			Thread.sleep(us / 1_000, (int) (us % 1_000) * 1_000);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	static void say(String s) {
		System.out.println(Instant.now() + " probe: " + s);
		System.out.flush();
	}

	// --- the run ----------------------------------------------------------------------------------------

	void parse(String[] args) {
		for (int i = 0; i < args.length; i++) {
			String a = args[i];
			if (i + 1 >= args.length) {
				usage("missing value after " + a);
			}
			String v = args[++i];
			switch (a) {
				case "--out" -> out = Path.of(v);
				case "--control" -> control = Path.of(v);
				case "--run" -> run = v;
				case "--old" -> old = v;
				case "--db" -> db = v;
				case "--user" -> user = v;
				case "--interval" -> intervalMs = Long.parseLong(v);
				case "--long-interval" -> longIntervalMs = Long.parseLong(v);
				case "--settle" -> settleMs = (long) (Double.parseDouble(v) * 1000);
				case "--cap" -> capMs = (long) (Double.parseDouble(v) * 1000);
				case "--max-run" -> maxRunMs = (long) (Double.parseDouble(v) * 1000);
				case "--timeout" -> timeoutS = Integer.parseInt(v);
				case "--new-session-timeout" -> newSessionTimeoutS = Integer.parseInt(v);
				case "--proxy", "--direct" -> {
					int eq = v.indexOf('=');
					if (eq <= 0 || v.lastIndexOf(':') < eq) {
						usage(a + " expects NAME=HOST:PORT, got " + v);
					}
					String name = v.substring(0, eq);
					String hostPort = v.substring(eq + 1);
					if (a.equals("--proxy")) {
						proxies.put(name, hostPort);
					} else {
						directs.put(name, hostPort);
						nodeByIp.put(hostPort.substring(0, hostPort.lastIndexOf(':')), name);
					}
				}
				default -> usage("unknown option " + a);
			}
		}
		if (out == null || control == null || proxies.isEmpty() || old.isEmpty()) {
			usage("--out, --control, --old and at least one --proxy are required");
		}
	}

	static void usage(String why) {
		System.err.println("FailoverProbe: " + why);
		System.err.println("usage: FailoverProbe --out CSV --control DIR --old NODE --proxy NAME=HOST:PORT... "
				+ "[--direct NODE=HOST:PORT...] [--run ID] [--db DB] [--user USER] [--interval MS] [--long-interval MS] "
				+ "[--settle S] [--cap S] [--max-run S] [--timeout S] [--new-session-timeout S]   (password from PGPASSWORD)");
		System.exit(2);
	}

	void go() throws IOException, InterruptedException {
		csv = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
		csv.write(HEADER);
		csv.newLine();
		List<Client> newClients = new ArrayList<>();
		List<Client> longClients = new ArrayList<>();
		for (Map.Entry<String, String> p : proxies.entrySet()) {
			newClients.add(new NewConnClient(p.getKey(), p.getValue()));
			longClients.add(new LongClient(p.getKey(), p.getValue()));
		}
		clients.addAll(newClients);
		clients.addAll(longClients);
		Client oldDirect = null;
		for (Map.Entry<String, String> d : directs.entrySet()) {
			Client c = new DirectClient(d.getKey(), d.getValue());
			clients.add(c);
			if (d.getKey().equals(old)) {
				oldDirect = c;
			}
		}
		List<Thread> threads = new ArrayList<>();
		for (Client c : clients) {
			Thread t = new Thread(c, c.kind + "-" + c.via);
			t.setDaemon(true);
			threads.add(t);
			t.start();
		}
		say("started " + clients.size() + " clients; old primary " + old);

		long begun = nowUs();
		boolean ready = false;
		String done = null;
		long lastFlush = begun;
		Path disrupt = control.resolve("disrupt");
		while (done == null) {
			Thread.sleep(20);
			long now = nowUs();
			if (!ready) {
				ready = clients.stream().filter(c -> !c.kind.equals("direct")).allMatch(c -> c.oks.get() > 0)
						&& (oldDirect == null || oldDirect.oks.get() > 0);
				if (ready) {
					Files.writeString(control.resolve("ready"), Long.toString(now) + "\n");
					say("every client has written once");
				}
			}
			if (t0Us == 0 && Files.exists(disrupt)) {
				String s = Files.readString(disrupt).trim();
				if (!s.isEmpty()) {
					t0Us = Long.parseLong(s);
					say("disruption at " + t0Us);
				}
			}
			long t0 = t0Us;
			if (t0 != 0) {
				boolean settled = true;
				for (Client c : newClients) {
					long first = c.firstOkElsewhere.get();
					settled &= first != 0 && now - first >= settleMs * 1_000;
				}
				for (Client c : longClients) {
					settled &= c.firstOkElsewhere.get() != 0;
				}
				if (settled) {
					done = "settled";
				} else if (now - t0 >= capMs * 1_000) {
					done = "capped";
				}
			} else if (now - begun >= maxRunMs * 1_000) {
				done = "no-disrupt";
			}
			if (now - lastFlush >= 500_000) {
				flush();
				lastFlush = now;
			}
		}
		long end = nowUs();
		stop = true;
		say(done + (t0Us != 0 ? String.format(" at +%.1f s", (end - t0Us) / 1e6) : ""));
		for (Thread t : threads) {
			t.join(1_500);
		}
		// Attempts still waiting (a held or hung connection) are written as unfinished, up to now; a client
		// that finishes one meanwhile finds the file closed.
		synchronized (this) {
			for (Client c : clients) {
				long s = c.inflightStart;
				if (s != 0) {
					row(c.kind, c.via, c.seq, s, end, "unfinished", "", c.inflightPhase, "", 0, "still waiting at the end");
				}
			}
			csv.close();
			closed = true;
		}
		Files.writeString(control.resolve("done"), done + " " + end + "\n");
		System.exit(0);
	}

	public static void main(String[] args) throws Exception {
		FailoverProbe p = new FailoverProbe();
		p.parse(args);
		p.go();
	}
}
