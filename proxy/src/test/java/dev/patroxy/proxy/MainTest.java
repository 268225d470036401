package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @StartStop
    private final MockWebServer etcd = new MockWebServer();

    /** {@code patroxy --config FILE --check} of a valid file, its standard output. */
    private static String check(Path file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.check(file, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    private Path configWithDcs(Path dir, String dcsHost) throws Exception {
        return Files.writeString(dir.resolve("p.yml"), """
                stats:
                  bind: "127.0.0.1:7000"
                servers:
                  - {name: postgresql_10.0.0.1_5432, address: "10.0.0.1:5432", check-port: 8008}
                  - {name: pg02, address: "10.0.0.2:5432", check-port: 8008, member: node2}
                listeners:
                  - {name: primary, bind: "127.0.0.1:5000", balance: primary}
                dcs: {type: etcd, hosts: ["%s"], scope: batman, timeout: 500ms}
                """.formatted(dcsHost));
    }

    @Test
    void checkWarnsOfServersWhoseMemberNameThePatroniClusterDoesNotHave(@TempDir Path dir) throws Exception {
        etcd.enqueue(new MockResponse.Builder().addHeader("X-Etcd-Index", 30).body("""
                {"action":"get","node":{"key":"/service/batman/members","dir":true,"nodes":[
                {"key":"/service/batman/members/node1","value":"{}","modifiedIndex":20,"createdIndex":3},
                {"key":"/service/batman/members/node2","value":"{}","modifiedIndex":21,"createdIndex":4}],
                "modifiedIndex":3,"createdIndex":3}}""".replace("\n", "")).build());
        etcd.enqueue(new MockResponse.Builder().addHeader("X-Etcd-Index", 30).body("{\"action\":\"get\",\"node\":{"
                + "\"key\":\"/service/batman/leader\",\"value\":\"node1\",\"modifiedIndex\":25,\"createdIndex\":5}}")
                .build());
        Path file = configWithDcs(dir, etcd.getHostName() + ":" + etcd.getPort());

        String out = check(file);

        assertThat(out).startsWith(file + ": valid (1 listeners, 2 servers)\n")
                .contains(file + ": warning: server postgresql_10.0.0.1_5432: member 'postgresql_10.0.0.1_5432' is not"
                        + " a Patroni member of batman in the DCS (its members: node1, node2); set member: to the"
                        + " node's Patroni name")
                .contains(file + ": warning: listener primary: the leader key names node1, which is none of its"
                        + " servers' member: names; while it does, the REST checks alone pick its primary")
                .doesNotContain("server pg02");
        assertThat(etcd.takeRequest().getTarget()).isEqualTo("/v2/keys/service/batman/members?quorum=true");
        assertThat(etcd.takeRequest().getTarget()).isEqualTo("/v2/keys/service/batman/leader?quorum=true");
    }

    @Test
    void checkOfAnUnreachableDcsSaysItCouldNotVerifyAndStillPasses(@TempDir Path dir) throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Path file = configWithDcs(dir, "127.0.0.1:" + closed);

        String out = check(file);

        assertThat(out).startsWith(file + ": valid (1 listeners, 2 servers)\n")
                .contains(file + ": could not verify the servers' member names against the DCS: 127.0.0.1:" + closed);
    }
    /** Exit code, standard output and standard error of one command line that ends at once. */
    record Outcome(int exit, String out, String err) {
    }

    static Outcome execute(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OptionalInt exit = Main.execute(new PatroxyCommand(), args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as("%s ends at once", List.of(args)).isPresent();
        return new Outcome(exit.getAsInt(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aConfigurationAloneMeansRunIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("p.yml"), VALID);
        for (String[] args : new String[][] {{"--config", file.toString()}, {"-f", file.toString()},
            {"-f", file.toString(), "-p", dir.resolve("patroxy.pid").toString()}}) {
            PatroxyCommand command = new PatroxyCommand();
            assertThat(Main.execute(command, args, System.out, System.err)).as(List.of(args).toString()).isEmpty();
            assertThat(command.config).isEqualTo(file);
        }
    }

    @Test
    void checksTheFileWithHaproxysFlagsAndTheLongOnes(@TempDir Path dir) throws Exception {
        Path good = Files.writeString(dir.resolve("ok.yml"), VALID);
        Path bad = Files.writeString(dir.resolve("bad.yml"), VALID.replace("5000", "5000x"));
        for (List<String> flags : List.of(List.of("-c", "-f"), List.of("--config"), List.of("-cf"))) {
            List<String> goodArgs = new java.util.ArrayList<>(flags);
            goodArgs.add(good.toString());
            if (flags.equals(List.of("--config"))) {
                goodArgs.add("--check");
            }
            Outcome valid = execute(goodArgs.toArray(String[]::new));
            assertThat(valid.exit()).as(goodArgs.toString()).isZero();
            assertThat(valid.out()).startsWith(good + ": valid (1 listeners, 1 servers)");

            List<String> badArgs = goodArgs.stream().map(a -> a.equals(good.toString()) ? bad.toString() : a).toList();
            Outcome invalid = execute(badArgs.toArray(String[]::new));
            assertThat(invalid.exit()).as(badArgs.toString()).isEqualTo(Main.BAD_CONFIG);
            assertThat(invalid.err()).startsWith("patroxy: " + bad + ":6: listeners[0].bind");
        }
    }

    @Test
    void helpListsEveryOptionAndTheExitCodes() {
        Outcome help = execute("--help");

        assertThat(help.exit()).isZero();
        assertThat(help.err()).isEmpty();
        assertThat(help.out()).contains("-f, --config FILE", "-c, --check", "-p, --pidfile PIDFILE", "-v, --version",
                "-h, --help", "Exit codes:", "  0 ", "  1 ", "  2 ", "  64 ", "  143 ");
        assertThat(execute("-h").out()).isEqualTo(help.out());
    }

    @Test
    void versionIsOneLineWithTheCommitJavaAndNetty() {
        Outcome version = execute("--version");

        assertThat(version.exit()).isZero();
        assertThat(version.out()).matches("patroxy \\d+\\.\\d+\\.\\d+\\S*, commit ([0-9a-f]{12}|unknown), Java "
                + java.util.regex.Pattern.quote(Runtime.version().toString()) + ", Netty 4\\.\\d+\\.\\d+\\.Final\n");
        assertThat(execute("-v").out()).isEqualTo(version.out());
    }

    @Test
    void doubleVerboseVersionAddsTheRuntimeAndTheSocketEngines() {
        Outcome details = execute("-vv");

        assertThat(details.exit()).isZero();
        assertThat(details.out()).startsWith(execute("-v").out())
                .contains("Java: ", System.getProperty("java.vendor"), "Netty: 4.")
                .containsPattern("\n  epoll    : (available|unavailable)")
                .containsPattern("\n  io_uring : (available|unavailable)")
                .contains("\n  nio      : available\n");
        assertThat(execute("-v", "-v").out()).isEqualTo(details.out());
    }

    @Test
    void rejectsCommandLinesThatMakeNoSenseWithExit64() {
        for (String[] args : new String[][] {{}, {"--config"}, {"--check"}, {"-c"}, {"-f"},
            {"--config", "p.yml", "--frobnicate"}, {"-c", "p.yml"}, {"-f", "a.yml", "-f", "b.yml"}, {"-p", "x.pid"}}) {
            Outcome outcome = execute(args);
            assertThat(outcome.exit()).as(List.of(args).toString()).isEqualTo(Main.USAGE);
            assertThat(outcome.err()).as(List.of(args).toString()).startsWith("patroxy: ").endsWith("; try patroxy --help"
                    + System.lineSeparator());
            assertThat(outcome.out()).isEmpty();
        }
    }

    @Test
    void aBadConfigIsReportedWithFileLineAndKey(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yml"), """
                stats:
                  bind: "127.0.0.1:7000"
                servers:
                  - {name: pg01, address: "127.0.0.1:5432", check-port: 8008}
                listeners:
                  - {name: primary, bind: "127.0.0.1:5000", balance: primary, check: {inter: never}}
                """);
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        assertThat(Main.load(file, new PrintStream(err, true, StandardCharsets.UTF_8))).isNull();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("patroxy: " + file + ":6: listeners[0].check.inter: expected a duration");
    }

    private static final String VALID = """
            stats:
              bind: "127.0.0.1:7000"
            servers:
              - {name: pg01, address: "127.0.0.1:5432", check-port: 8008}
            listeners:
              - {name: primary, bind: "127.0.0.1:5000", balance: primary}
            """;

    /** What {@code --check file} printed to stderr, once its exit code is the one expected. */
    private static String checkErrors(Path file, int expectedExit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.check(file, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(expectedExit);
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkExitsZeroForAValidFile(@TempDir Path dir) throws Exception {
        assertThat(checkErrors(Files.writeString(dir.resolve("ok.yml"), VALID), 0)).isEmpty();
    }

    @Test
    void checkExitsTwoWithOneLineNamingFileLineAndKeyForEveryInvalidFile(@TempDir Path dir) throws Exception {
        String[][] cases = {
            {"inter: never", ":6: listeners[0].check.inter: expected a duration"},
            {"inter: 99999999999999999999s", ":6: listeners[0].check.inter: '99999999999999999999s' is longer"},
            {"inter: 106751991167301d", ":6: listeners[0].check.inter: '106751991167301d' is longer"},
            {"inter: 500us", ":6: listeners[0].check.inter: '500us' rounds to 0"},
            {"rise: 99999999999", ":6: listeners[0].check.rise: 99999999999 is out of range 1..100"},
        };
        for (String[] c : cases) {
            Path file = Files.writeString(dir.resolve("bad.yml"),
                    VALID.replace("balance: primary}", "balance: primary, check: {" + c[0] + "}}"));
            String err = checkErrors(file, Main.BAD_CONFIG);
            assertThat(err).as(c[0]).startsWith("patroxy: " + file + c[1]).doesNotContain("\tat ")
                    .doesNotContain("Exception");
            assertThat(err.lines()).as(c[0]).hasSize(1);
        }
    }

    @Test
    void checkExitsTwoNamingAFileThatCannotBeRead(@TempDir Path dir) {
        Path missing = dir.resolve("missing.yml");
        assertThat(checkErrors(missing, Main.BAD_CONFIG))
                .isEqualTo("patroxy: " + missing + ": cannot read the file: it does not exist" + System.lineSeparator());
        assertThat(checkErrors(dir, Main.BAD_CONFIG)).startsWith("patroxy: " + dir + ": cannot read the file");
    }

    @Test
    void theVersionAndCommitAreStampedByTheBuild() {
        assertThat(Version.current()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(Version.commit()).matches("[0-9a-f]{12}|unknown");
    }
}
