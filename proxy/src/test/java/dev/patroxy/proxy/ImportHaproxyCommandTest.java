package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportHaproxyCommandTest {
    /** Patroni's sample haproxy.cfg. */
    private static final String SAMPLE = """
            global
                maxconn 100

            defaults
                log global
                mode tcp
                retries 2
                timeout client 30m
                timeout connect 4s
                timeout server 30m
                timeout check 5s

            listen stats
                mode http
                bind *:7000
                stats enable
                stats uri /

            listen batman
                bind *:5000
                option httpchk
                http-check expect status 200
                default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions
                server postgresql_127.0.0.1_5432 127.0.0.1:5432 maxconn 100 check port 8008
                server postgresql_127.0.0.1_5433 127.0.0.1:5433 maxconn 100 check port 8009
            """;

    private static MainTest.Outcome patroxy(String... args) {
        return MainTest.execute(args);
    }

    @Test
    void writesAFileThatPassesTheCheckAndListsTheDifferencesWithTheirLines(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), SAMPLE);
        Path out = dir.resolve("patroxy.yml");

        MainTest.Outcome imported = patroxy("import-haproxy", "-o", out.toString(), cfg.toString());

        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).isEmpty();
        assertThat(imported.err().lines()).containsExactly(
                "patroxy: " + cfg + ":19: listen batman balance primary: differs: patroxy routes the listener to one"
                        + " server at a time, and never to a node PostgreSQL reports in recovery; HAProxy spreads"
                        + " sessions over every server whose check passes (two, while two nodes answer 200)",
                "patroxy: wrote " + out + ": 1 listeners, 2 servers, valid for patroxy -c; 1 note above");
        assertThat(Files.readString(out)).startsWith("# patroxy configuration imported from " + cfg);
        MainTest.Outcome check = patroxy("-c", "-f", out.toString());
        assertThat(check.exit()).as(check.err()).isZero();
        assertThat(check.out()).startsWith(out + ": valid (1 listeners, 2 servers)");
    }

    @Test
    void statsPasswordsGoToFilesToCreateUnlessAskedForAndNeverToStandardError(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), SAMPLE.replace("    stats uri /\n",
                "    stats uri /\n    stats auth admin:s3cret\n"));
        Path out = dir.resolve("patroxy.yml");

        MainTest.Outcome imported = patroxy("import-haproxy", "-o", out.toString(), cfg.toString());

        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.err()).doesNotContain("s3cret").contains("patroxy: " + cfg + ":18: stats auth admin:***:"
                + " written as password-file stats-admin.password: create that file beside the patroxy file")
                .contains("patroxy: wrote " + out + ": 1 listeners, 2 servers, valid for patroxy -c once"
                        + " stats-admin.password exists beside it; 2 notes above");
        assertThat(Files.readString(out)).doesNotContain("s3cret");
        MainTest.Outcome missing = patroxy("-c", "-f", out.toString());
        assertThat(missing.exit()).isEqualTo(Main.BAD_CONFIG);
        assertThat(missing.err()).contains("stats.auth[0].password-file: cannot read " + dir.resolve(
                "stats-admin.password"));
        Files.writeString(dir.resolve("stats-admin.password"), "s3cret\n");
        MainTest.Outcome check = patroxy("-c", "-f", out.toString());
        assertThat(check.exit()).as(check.err()).isZero();

        MainTest.Outcome withSecrets = patroxy("import-haproxy", "--with-secrets", cfg.toString());
        assertThat(withSecrets.exit()).isZero();
        assertThat(withSecrets.out()).contains("  - {username: admin, password: s3cret}\n");
        assertThat(withSecrets.err()).doesNotContain("s3cret", "password-file").contains("valid for patroxy -c;");
    }

    @Test
    void aFileItReplacesKeepsItsPermissionsAndOneWithPasswordsIsNotForOtherUsers(@TempDir Path dir)
            throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), SAMPLE.replace("    stats uri /\n",
                "    stats uri /\n    stats auth admin:s3cret\n"));
        Path kept = Files.writeString(dir.resolve("kept.yml"), "");
        Files.setPosixFilePermissions(kept, PosixFilePermissions.fromString("rw-r-----"));

        assertThat(patroxy("import-haproxy", "-o", kept.toString(), cfg.toString()).exit()).isZero();
        assertThat(patroxy("import-haproxy", "-o", dir.resolve("new.yml").toString(), cfg.toString()).exit()).isZero();
        assertThat(patroxy("import-haproxy", "--with-secrets", "-o", dir.resolve("secret.yml").toString(),
                cfg.toString()).exit()).isZero();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kept))).isEqualTo("rw-r-----");
        assertThat(Files.readString(kept)).contains("listeners:");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new.yml"))))
                .as("as the package's sample, which the patroxy user reads").isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("secret.yml"))))
                .isEqualTo("rw-r-----");
        assertThat(dir.toFile().list()).as("no temporary file left").containsExactlyInAnyOrder("haproxy.cfg",
                "kept.yml", "new.yml", "secret.yml");
    }

    @Test
    void withoutOutputTheYamlGoesToStandardOutput(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), SAMPLE);

        MainTest.Outcome imported = patroxy("import-haproxy", cfg.toString());

        assertThat(imported.exit()).isZero();
        assertThat(imported.out()).startsWith("# patroxy configuration imported from " + cfg)
                .contains("\nlisteners:\n- name: batman\n");
        assertThat(imported.err()).contains("patroxy: imported: 1 listeners, 2 servers");
    }

    @Test
    void aFileItCannotImportExitsTwoNamingTheLine(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), SAMPLE.replace("maxconn 100\n", "maxconn many\n"));
        Path out = dir.resolve("patroxy.yml");

        MainTest.Outcome imported = patroxy("import-haproxy", "-o", out.toString(), cfg.toString());

        assertThat(imported.exit()).isEqualTo(Main.BAD_CONFIG);
        assertThat(imported.err()).isEqualTo("patroxy: " + cfg + ":2: maxconn many: expects a whole number, found"
                + " 'many'" + System.lineSeparator());
        assertThat(out).doesNotExist();
        MainTest.Outcome missing = patroxy("import-haproxy", dir.resolve("none.cfg").toString());
        assertThat(missing.exit()).isEqualTo(Main.BAD_CONFIG);
        assertThat(missing.err()).startsWith("patroxy: " + dir.resolve("none.cfg") + ":1: cannot read the file");
    }

    @Test
    void nothingToImportStillSaysWhyOfEachSection(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), "listen web\n    mode http\n    bind *:80\n");

        MainTest.Outcome imported = patroxy("import-haproxy", cfg.toString());

        assertThat(imported.exit()).isEqualTo(Main.BAD_CONFIG);
        assertThat(imported.err().lines()).containsExactly(
                "patroxy: " + cfg + ":2: listen web: not imported: mode http: patroxy relays TCP sessions only",
                "patroxy: " + cfg + ":3: nothing to import: no listen or frontend section that patroxy can serve");
    }

    @Test
    void anOutputThatCannotBeWrittenExitsOne(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), SAMPLE);

        MainTest.Outcome imported = patroxy("import-haproxy", "-o", dir.resolve("missing/patroxy.yml").toString(),
                cfg.toString());

        assertThat(imported.exit()).isEqualTo(Main.FAILED);
        assertThat(imported.err()).contains("patroxy: cannot write " + dir.resolve("missing/patroxy.yml"));
    }

    @Test
    void itsHelpAndItsUsageErrors() {
        MainTest.Outcome help = patroxy("import-haproxy", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: patroxy import-haproxy [-h] [--with-secrets] [-o OUT] haproxy.cfg",
                "-o, --output OUT", "--with-secrets", "Exit codes:");
        assertThat(patroxy("--help").out()).contains("patroxy import-haproxy [-o OUT] [--with-secrets] haproxy.cfg");
        for (String[] args : new String[][] {{"import-haproxy"}, {"import-haproxy", "a.cfg", "b.cfg"},
            {"import-haproxy", "-o"}}) {
            MainTest.Outcome usage = patroxy(args);
            assertThat(usage.exit()).as(List.of(args).toString()).isEqualTo(Main.USAGE);
            assertThat(usage.err()).startsWith("patroxy: ");
        }
    }
}
