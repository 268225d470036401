package dev.patroxy.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher in the tarball's layout: it finds the jar and the JVM options beside its bin/, even through a link. */
class LauncherTest {
    private static final Path REPO = Path.of(System.getProperty("patroxy.repo", "../.."));
    private static final Path JAR = REPO.resolve("proxy/target/patroxy.jar");

    @TempDir
    Path dir;
    private Path prefix;

    @BeforeEach
    void layOut() throws IOException {
        assumeThat(JAR).as("the proxy module's fat jar is built").exists();
        prefix = dir.resolve("patroxy-1");
        Files.createDirectories(prefix.resolve("bin"));
        Files.createDirectories(prefix.resolve("share/patroxy"));
        Files.createDirectories(prefix.resolve("etc/patroxy"));
        Path launcher = Files.copy(REPO.resolve("deploy/package/src/bin/patroxy"), prefix.resolve("bin/patroxy"));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(JAR, prefix.resolve("share/patroxy/patroxy.jar"));
        Files.copy(REPO.resolve("deploy/jvm.options"), prefix.resolve("etc/patroxy/jvm.options"));
    }

    private static String run(Path launcher, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("PATROXY_JVM_OPTIONS");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return process.exitValue() + ": " + out.strip();
    }

    @Test
    void runsTheJarBesideItsBin() throws Exception {
        assertThat(run(prefix.resolve("bin/patroxy"), "--version")).startsWith("0: patroxy ");
    }

    @Test
    void passesTheOptionsFileBesideItsBinToTheJvm() throws Exception {
        Files.writeString(prefix.resolve("etc/patroxy/jvm.options"), "# a comment\n-XX:+NoSuchPatroxyOption\n");

        assertThat(run(prefix.resolve("bin/patroxy"), "--version")).doesNotStartWith("0: ")
                .contains("NoSuchPatroxyOption");
    }

    @Test
    void findsItsFilesWhenReachedThroughALink() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("patroxy"), prefix.resolve("bin/patroxy"));

        assertThat(run(link, "--version")).startsWith("0: patroxy ");
    }
}
