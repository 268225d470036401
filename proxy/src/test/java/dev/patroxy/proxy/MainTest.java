package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @Test
    void parsesTheThreeWaysToRunIt() {
        assertThat(Main.Invocation.parse(new String[] {"--config", "p.yml"}))
                .isEqualTo(new Main.Invocation(Path.of("p.yml"), false, false));
        assertThat(Main.Invocation.parse(new String[] {"--config", "p.yml", "--check"}))
                .isEqualTo(new Main.Invocation(Path.of("p.yml"), true, false));
        assertThat(Main.Invocation.parse(new String[] {"--version"}).version()).isTrue();
    }

    @Test
    void rejectsCommandLinesThatMakeNoSense() {
        assertThat(Main.Invocation.parse(new String[] {})).isNull();
        assertThat(Main.Invocation.parse(new String[] {"--config"})).isNull();
        assertThat(Main.Invocation.parse(new String[] {"--check"})).isNull();
        assertThat(Main.Invocation.parse(new String[] {"--config", "p.yml", "--frobnicate"})).isNull();
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

    @Test
    void theVersionIsStampedByTheBuild() {
        assertThat(Version.current()).matches("\\d+\\.\\d+\\.\\d+.*");
    }
}
