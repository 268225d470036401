package dev.patroxy.proxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.patroxy.config.AdminConfig;
import dev.patroxy.config.AdminLevel;
import dev.patroxy.stats.CsvStats;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime API driven by the real socat, as operators drive HAProxy's: skipped only where socat is absent. */
class SocatTest {
    @TempDir
    Path dir;
    private Path socket;
    private RuntimeServer server;
    private RuntimeFixtures.RecordingActions actions;

    private static Optional<Path> socat() {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(d -> Path.of(d, "socat")).filter(Files::isExecutable).findFirst();
    }

    @BeforeEach
    void start() {
        assumeTrue(socat().isPresent(), "socat is not installed (apt-get install socat)");
        socket = dir.resolve("admin.sock");
        actions = new RuntimeFixtures.RecordingActions();
        server = new RuntimeServer(new RuntimeCommands(RuntimeFixtures.view(), Optional.of(actions)));
        server.apply(new AdminConfig(Optional.of(new AdminConfig.Socket(socket, 0600, Optional.empty(),
                Optional.empty(), AdminLevel.ADMIN)), Optional.empty(), AdminLevel.OPERATOR,
                AdminConfig.Limits.DEFAULTS, Optional.empty()));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** {@code echo INPUT | socat ARGS}: socat's standard output. */
    private String socat(String input, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(socat().orElseThrow().toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("socat ended").isTrue();
        assertThat(process.exitValue()).isZero();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void echoShowStatIntoSocatPrintsTheStatsPagesCsv() throws Exception {
        assertThat(socat("show stat\n", "stdio", "unix-connect:" + socket))
                .isEqualTo(new CsvStats().render(RuntimeFixtures.snapshot()) + "\n");
    }

    @Test
    void severalCommandsOnOneLine() throws Exception {
        String out = socat("show info; show backend\n", "-", "UNIX-CONNECT:" + socket);

        assertThat(out).startsWith("Name: patroxy\nVersion: 2.6.0-patroxy-1.2.3\n").endsWith("\n\n# name\nprimary\nreplicas\n\n");
    }

    @Test
    void anActCommandIsDispatchedAndAnsweredWithAnEmptyLine() throws Exception {
        assertThat(socat("disable server primary/pg01\n", "stdio", "unix-connect:" + socket)).isEqualTo("\n");
        assertThat(socat("disable server primary/nosuch\n", "stdio", "unix-connect:" + socket))
                .isEqualTo("No such server.\n\n");
        assertThat(actions.calls).containsExactly("setServerState(primary, pg01, maint)");
    }

    @Test
    void interactiveModeThroughSocat() throws Exception {
        assertThat(socat("prompt\nshow backend\nquit\n", "stdio", "unix-connect:" + socket))
                .isEqualTo("\n> # name\nprimary\nreplicas\n\n> ");
    }
}
