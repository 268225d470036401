package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stats.admin}: the users file of crypt hashes and the bearer token file, and their errors. */
class StatsAdminConfigTest {
    /** {@code openssl passwd -6 -salt abcdefgh secret}. */
    static final String SHA512 =
            "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.";
    /** {@code openssl passwd -5 -salt abcdefgh secret}. */
    static final String SHA256 = "$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM.";
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    private PatroxyConfig load(String admin) throws Exception {
        Path file = dir.resolve("patroxy.yml");
        Files.writeString(file, """
                stats:
                  bind: "127.0.0.1:7000"
                %s
                servers:
                  - {name: pg01, address: "10.29.0.11:5432", check-port: 8008}
                listeners:
                  - {name: primary, bind: "127.0.0.1:5000", balance: primary}
                """.formatted(admin.indent(2).stripTrailing()));
        return ConfigLoader.load(file, Map.of());
    }

    private ConfigException errorOf(String admin) {
        return (ConfigException) catchThrowable(() -> load(admin));
    }

    private void users(String text) throws Exception {
        Files.writeString(dir.resolve("admin.users"), text);
    }

    @Test
    void readsUsersWithTheirHashesAndAToken() throws Exception {
        users("# operators\n\nalice:" + SHA512 + "\n  bob : " + SHA256 + "  \r\n");
        Files.writeString(dir.resolve("admin.token"), TOKEN + "\n");

        StatsAdmin admin = load("admin: {users-file: admin.users, token-file: admin.token}").stats().admin()
                .orElseThrow();

        assertThat(admin.users()).containsExactly(new StatsAdmin.User("alice", new Secret(SHA512)),
                new StatsAdmin.User("bob", new Secret(SHA256)));
        assertThat(admin.token()).contains(new Secret(TOKEN));
        assertThat(admin.usersFile()).contains(dir.resolve("admin.users"));
        assertThat(admin.toString()).doesNotContain(SHA512).doesNotContain(TOKEN);
    }

    @Test
    void noAdminControlsUnlessAsked() throws Exception {
        assertThat(load("").stats().admin()).isEmpty();
        assertThat(load("admin: none").stats().admin()).isEmpty();
        Files.writeString(dir.resolve("admin.token"), TOKEN);
        assertThat(load("admin: {token-file: admin.token}").stats().admin().orElseThrow().users()).isEmpty();
    }

    @Test
    void aPlaintextOrUnknownHashIsRefusedWithTheUsersFilesLine() throws Exception {
        users("alice:" + SHA512 + "\n# bob next\nbob:hunter2\n");
        ConfigException plaintext = errorOf("admin: {users-file: admin.users}");
        assertThat(plaintext.file()).isEqualTo(dir.resolve("admin.users"));
        assertThat(plaintext.line()).isEqualTo(3);
        assertThat(plaintext.key()).isEqualTo("stats.admin.users-file");
        assertThat(plaintext.getMessage()).contains("admin.users:3: stats.admin.users-file: user 'bob': not a crypt"
                + " hash").doesNotContain("hunter2");

        users("carol:$1$abcdefgh$Lkrd3uCyFo0DBk3VFzxEX/\n");
        assertThat(errorOf("admin: {users-file: admin.users}").getMessage())
                .contains("admin.users:1: ").contains("user 'carol': the hash's scheme is not taken");
        users("dave:" + SHA512.substring(0, SHA512.length() - 1) + "\n");
        assertThat(errorOf("admin: {users-file: admin.users}").getMessage()).contains("cut short");
    }

    @Test
    void malformedUsersFilesAreRefused() throws Exception {
        users("alice " + SHA512 + "\n");
        assertThat(errorOf("admin: {users-file: admin.users}").getMessage()).contains(":1: ")
                .contains("expected name:HASH");
        users("alice:" + SHA512 + "\nalice:" + SHA256 + "\n");
        assertThat(errorOf("admin: {users-file: admin.users}").getMessage()).contains(":2: ")
                .contains("user 'alice' is on line 1 already");
        users("# nobody yet\n");
        assertThat(errorOf("admin: {users-file: admin.users}").getMessage()).contains("lists no user");
        assertThat(errorOf("admin: {users-file: missing.users}").getMessage())
                .contains("patroxy.yml:3: stats.admin.users-file: cannot read").contains("does not exist");
        assertThat(errorOf("admin: {}").getMessage()).contains("stats.admin: give users-file, token-file or both");
        assertThat(errorOf("admin: {user-file: x}").getMessage()).contains("stats.admin.user-file: unknown key");
    }

    @Test
    void aShortOrMultiWordTokenIsRefused() throws Exception {
        Files.writeString(dir.resolve("admin.token"), "0123456789abcdef\n");
        assertThat(errorOf("admin: {token-file: admin.token}").getMessage())
                .contains("stats.admin.token-file: ").contains("a token of 16 characters")
                .contains("at least 32").doesNotContain("0123456789abcdef");
        Files.writeString(dir.resolve("admin.token"), TOKEN + " " + TOKEN);
        assertThat(errorOf("admin: {token-file: admin.token}").getMessage()).contains("one line of letters");
        Files.writeString(dir.resolve("admin.token"), "");
        assertThat(errorOf("admin: {token-file: admin.token}").getMessage()).contains("holds no token");
    }

    @Test
    void aReloadReadsTheUsersFileAgain() throws Exception {
        users("alice:" + SHA512 + "\n");
        StatsConfig first = load("admin: {users-file: admin.users}").stats();
        users("alice:" + SHA512 + "\nbob:" + SHA256 + "\n");
        StatsConfig second = load("admin: {users-file: admin.users}").stats();

        assertThat(first.withAccessOf(second).admin().orElseThrow().users()).extracting(StatsAdmin.User::name)
                .containsExactly("alice", "bob");
        users("alice:plain\n");
        assertThatThrownBy(() -> load("admin: {users-file: admin.users}")).isInstanceOf(ConfigException.class);
    }
}
