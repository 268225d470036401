package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code admin} section: the runtime API's socket, its TCP bind, its limits and the state file's path. */
class AdminConfigTest {
    private static final String BASE = """
            stats:
              bind: ["127.0.0.1:7000"]
            servers:
              - {name: pg01, address: "10.29.0.11:5432", check-port: 8008}
            listeners:
              - {name: primary, bind: "127.0.0.1:5000", balance: primary}
            """;

    @TempDir
    Path dir;
    private Path file;
    private String user;
    private String group;

    @BeforeEach
    void names() throws IOException {
        file = dir.resolve("patroxy.yml");
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class);
        user = attributes.owner().getName();
        group = attributes.group().getName();
    }

    private PatroxyConfig parse(String admin) throws ConfigException {
        return ConfigLoader.parse(file, BASE + admin);
    }

    private ConfigException errorOf(String admin) {
        try {
            parse(admin);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException for:\n" + admin);
    }

    @Test
    void withoutAnAdminSectionNothingIsServed() throws Exception {
        AdminConfig admin = parse("").admin();

        assertThat(admin).isEqualTo(AdminConfig.NONE);
        assertThat(admin.serves()).isFalse();
        assertThat(admin.limits()).isEqualTo(new AdminConfig.Limits(10, 16384, Duration.ofSeconds(10)));
    }

    @Test
    void theShippedSampleKeepsTheRuntimeApiOff() throws Exception {
        Path sample = Path.of("..", "deploy", "patroxy.yml");

        assertThat(Files.readString(sample)).as("a commented example").contains("# admin:");
        assertThat(ConfigLoader.load(sample).admin().serves()).isFalse();
    }

    @Test
    void readsTheSocketTheBindTheLimitsAndTheStateFile() throws Exception {
        AdminConfig admin = parse("""
                admin:
                  socket: {path: run/admin.sock, mode: "0660", owner: %s, group: %s, level: admin}
                  bind: "127.0.0.1:9999"
                  bind-level: user
                  maxconn: 3
                  max-line-length: 1024
                  timeout: 2m
                  state-file: state
                """.formatted(user, group).replace("run/", "")).admin();

        assertThat(admin.socket()).contains(new AdminConfig.Socket(dir.resolve("admin.sock"), 0660,
                Optional.of(user), Optional.of(group), AdminLevel.ADMIN));
        assertThat(admin.bind()).contains(new BindAddress("127.0.0.1", 9999));
        assertThat(admin.bindLevel()).isEqualTo(AdminLevel.USER);
        assertThat(admin.limits()).isEqualTo(new AdminConfig.Limits(3, 1024, Duration.ofMinutes(2)));
        assertThat(admin.stateFile()).as("relative to the configuration's directory").contains(dir.resolve("state"));
        assertThat(admin.serves()).isTrue();
    }

    @Test
    void aSocketWithoutModeIsTheOwnersAlone() throws Exception {
        AdminConfig.Socket socket = parse("admin: {socket: {path: " + dir.resolve("a.sock") + "}}").admin()
                .socket().orElseThrow();

        assertThat(socket.mode()).isEqualTo(0600);
        assertThat(socket.level()).as("HAProxy 2.6's default level").isEqualTo(AdminLevel.OPERATOR);
        assertThat(socket.owner()).isEmpty();
        assertThat(socket.group()).isEmpty();
    }

    @Test
    void aStateFileAloneBindsNothing() throws Exception {
        AdminConfig admin = parse("admin: {state-file: " + dir.resolve("state") + "}").admin();

        assertThat(admin.serves()).isFalse();
        assertThat(admin.stateFile()).contains(dir.resolve("state"));
    }

    @Test
    void badValuesNameTheirFileLineAndKey() {
        assertError("admin:\n  socket: {path: " + dir.resolve("a.sock") + ", mode: \"0999\"}\n", 8,
                "admin.socket.mode", "expected permission bits in octal");
        assertError("admin:\n  socket: {path: " + dir.resolve("a.sock") + ", mode: \"4755\"}\n", 8,
                "admin.socket.mode", "expected permission bits in octal");
        assertError("admin:\n  socket: {mode: \"0600\"}\n", 8, "admin.socket.path", "required key is missing");
        assertError("admin:\n  socket: {path: /no/such/dir/admin.sock}\n", 8, "admin.socket.path",
                "the directory /no/such/dir does not exist");
        assertError("admin:\n  socket: {path: " + dir.resolve("x".repeat(120)) + "}\n", 8, "admin.socket.path",
                "a UNIX socket's path holds at most 107");
        assertError("admin:\n  socket: {path: " + dir + "}\n", 8, "admin.socket.path", "is a directory");
        assertError("admin:\n  socket: {path: " + dir.resolve("a.sock") + ", owner: no-such-user-here}\n", 8,
                "admin.socket.owner", "no user 'no-such-user-here' on this machine");
        assertError("admin:\n  socket: {path: " + dir.resolve("a.sock") + ", group: no-such-group-here}\n", 8,
                "admin.socket.group", "no group 'no-such-group-here' on this machine");
        assertError("admin:\n  socket: {path: " + dir.resolve("a.sock") + ", level: root}\n", 8,
                "admin.socket.level", "expected user, operator or admin, found 'root'");
        assertError("admin:\n  bind-level: 15\n", 8, "admin.bind-level", "expected user, operator or admin");
        assertError("admin:\n  bind: \"*:9999\"\n", 8, "admin.bind", "is not a loopback address");
        assertError("admin:\n  bind: \"10.29.0.1:9999\"\n", 8, "admin.bind", "is not a loopback address");
        assertError("admin:\n  bind: \"127.0.0.1:7000\"\n", 8, "admin.bind", "127.0.0.1:7000 overlaps 127.0.0.1:7000");
        assertError("admin:\n  maxconn: 0\n", 8, "admin.maxconn", "out of range 1..1000");
        assertError("admin:\n  max-line-length: 10\n", 8, "admin.max-line-length", "out of range 64..1048576");
        assertError("admin:\n  timeout: soon\n", 8, "admin.timeout", "expected a duration");
        assertError("admin:\n  state-file: /no/such/dir/state\n", 8, "admin.state-file",
                "the directory /no/such/dir does not exist");
        assertError("admin:\n  state-file: " + dir + "\n", 8, "admin.state-file", "is not a regular file");
    }

    private void assertError(String admin, int line, String key, String problem) {
        ConfigException e = errorOf(admin);
        assertThat(e.getMessage()).as(admin).startsWith(file + ":" + line + ": " + key + ": ").contains(problem);
    }

    @Test
    void aPathOfExactlyTheLongestLengthIsTaken() throws Exception {
        String prefix = dir.toString() + "/";
        Path longest = Path.of(prefix + "s".repeat(AdminConfig.Socket.MAX_PATH_BYTES - prefix.length()));

        assertThat(parse("admin: {socket: {path: " + longest + "}}").admin().socket().orElseThrow().path())
                .isEqualTo(longest);
        assertThatThrownBy(() -> parse("admin: {socket: {path: " + longest + "x}}"))
                .hasMessageContaining("at most 107");
    }
}
