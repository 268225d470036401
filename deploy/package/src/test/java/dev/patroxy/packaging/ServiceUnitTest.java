package dev.patroxy.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/patroxy.service as systemd reads it ({@code systemd-analyze verify} needs no running systemd). The unit
 * names /usr/bin/patroxy, which verify requires to exist: here it names the launcher in the source tree instead, and
 * deploy/test verifies the installed unit as it is.
 */
class ServiceUnitTest {
    private static final Path REPO = Path.of(System.getProperty("patroxy.repo", "../.."));
    private static final Path VERIFY = Path.of("/usr/bin/systemd-analyze");

    @TempDir
    Path dir;

    private String verify(String unit) throws IOException, InterruptedException {
        Path file = dir.resolve("patroxy.service");
        Files.writeString(file, unit.replace("/usr/bin/patroxy",
                REPO.resolve("deploy/package/src/bin/patroxy").toAbsolutePath().normalize().toString()));
        Process verify = new ProcessBuilder(VERIFY.toString(), "verify", "--man=no", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return verify.exitValue() + ": " + out;
    }

    private static String unit() throws IOException {
        return Files.readString(REPO.resolve("deploy/patroxy.service"), StandardCharsets.UTF_8);
    }

    @Test
    void systemdAcceptsTheUnitWithoutAWord() throws Exception {
        assumeThat(VERIFY).as("systemd-analyze is installed (package systemd)").exists();

        assertThat(verify(unit())).isEqualTo("0: ");
    }

    @Test
    void aMistakeInTheUnitIsSeen() throws Exception {
        assumeThat(VERIFY).as("systemd-analyze is installed (package systemd)").exists();

        assertThat(verify(unit().replace("Type=notify", "Type=notfy"))).contains("Failed to parse service type");
    }

    @Test
    void theUnitIsANotifyServiceThatChecksBeforeReloadingAndIsSandboxed() throws IOException {
        String unit = unit();

        assertThat(unit).contains("Type=notify\n", "ExecStart=/usr/bin/patroxy --config /etc/patroxy/patroxy.yml\n",
                "ExecReload=/usr/bin/patroxy --config /etc/patroxy/patroxy.yml --check\n"
                        + "ExecReload=/bin/kill -HUP $MAINPID\n",
                "User=patroxy\n", "Restart=on-failure\n", "ProtectSystem=strict\n", "NoNewPrivileges=yes\n",
                "AmbientCapabilities=CAP_NET_BIND_SERVICE\n", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n");
        assertThat(Files.readString(REPO.resolve("deploy/jvm.options")))
                .contains("\n-Xmx", "\n-XX:+ExitOnOutOfMemoryError\n");
    }
}
