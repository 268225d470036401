package dev.patroxy.config.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every haproxy.cfg the importer is tested on is one that HAProxy itself (Debian's 2.6) takes: haproxy -c -f. */
class HaproxyAcceptsTheTestFilesTest {
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

    @ParameterizedTest
    @MethodSource("dev.patroxy.config.haproxy.HaproxyImporterTest#files")
    void haproxyChecksItValid(String name, @TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(HAPROXY), "no " + HAPROXY + " (apt-get install haproxy)");
        Path file = Files.writeString(dir.resolve(name), HaproxyImporterTest.resource(name));
        // The files name certificates, CA files and keys, which haproxy -c opens.
        TestTlsFiles.writeTo(dir);
        Process haproxy = new ProcessBuilder(HAPROXY.toString(), "-c", "-f", file.toString())
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(haproxy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(haproxy.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(haproxy.exitValue()).as(output).isZero();
        assertThat(output).contains("Configuration file is valid");
    }
}
