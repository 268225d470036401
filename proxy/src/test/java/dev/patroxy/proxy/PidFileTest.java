package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {
    private static final String PID = ProcessHandle.current().pid() + "\n";
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);

    @Test
    void holdsThisProcessIdUntilRemoved(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("patroxy.pid");
        Files.writeString(path, "12345\n");
        PidFile pidFile = PidFile.at(path);

        assertThat(pidFile.write(errors)).isTrue();
        assertThat(Files.readString(path)).isEqualTo(PID);
        try (var left = Files.list(dir)) {
            assertThat(left).containsExactly(path);
        }

        pidFile.remove();
        assertThat(path).doesNotExist();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void leavesAFileAnotherProcessWroteSince(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("patroxy.pid");
        PidFile pidFile = PidFile.at(path);
        assertThat(pidFile.write(errors)).isTrue();
        Files.writeString(path, "999999\n");

        pidFile.remove();

        assertThat(Files.readString(path)).isEqualTo("999999\n");
    }

    @Test
    void removesNothingItDidNotWrite(@TempDir Path dir) throws Exception {
        Path path = Files.writeString(dir.resolve("patroxy.pid"), PID);

        PidFile.at(path).remove();

        assertThat(path).exists();
    }

    @Test
    void saysWhyItCannotWrite(@TempDir Path dir) {
        Path path = dir.resolve("missing/patroxy.pid");

        assertThat(PidFile.at(path).write(errors)).isFalse();
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("patroxy: cannot write the pid file " + path + ": ");
    }

    @Test
    void noPathIsNoFile() {
        PidFile none = PidFile.at(null);

        assertThat(none.write(errors)).isTrue();
        none.remove();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
