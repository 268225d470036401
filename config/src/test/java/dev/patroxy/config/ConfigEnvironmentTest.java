package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${NAME}} and {@code ${NAME:-default}} in values. */
class ConfigEnvironmentTest {
    private static final Path FILE = Path.of("/etc/patroxy/patroxy.yml");

    private static final String TEMPLATE = """
            stats:
              bind: "${STATS_BIND:-127.0.0.1:7000}"
            servers:
              - name: pg01
                address: ${PG01}:5432
                check-port: ${CHECK_PORT:-8008}
            listeners:
              - name: primary
                bind: "127.0.0.1:${PORT}"
                balance: primary
                check:
                  inter: ${INTER:-3s}
            """;

    private static ConfigException errorOf(String yaml, Map<String, String> env) {
        try {
            ConfigLoader.parse(FILE, yaml, env);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void valuesTakeTheEnvironmentAndDefaultsStandInForUnsetOrEmptyVariables() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, TEMPLATE,
                Map.of("PG01", "10.29.0.11", "PORT", "5000", "INTER", "", "CHECK_PORT", "9008"));

        assertThat(config.stats().binds()).extracting(BindAddress::toString).containsExactly("127.0.0.1:7000");
        assertThat(config.servers().get(0).address()).isEqualTo(new HostPort("10.29.0.11", 5432));
        assertThat(config.servers().get(0).checkAddress()).isEqualTo(new HostPort("10.29.0.11", 9008));
        assertThat(config.listeners().get(0).binds()).extracting(BindAddress::toString).containsExactly("127.0.0.1:5000");
        assertThat(config.listeners().get(0).check().orElseThrow().interval())
                .as("empty INTER: the default").isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aSubstitutedValueIsCheckedLikeAWrittenOne() {
        ConfigException e = errorOf(TEMPLATE, Map.of("PG01", "10.29.0.11", "PORT", "5000", "INTER", "3x"));

        assertThat(e.line()).isEqualTo(12);
        assertThat(e.key()).isEqualTo("listeners[0].check.inter");
        assertThat(e.getMessage()).contains("found '3x'");
    }

    @Test
    void anUnsetVariableWithoutADefaultNamesFileLineKeyAndVariable() {
        ConfigException e = errorOf(TEMPLATE, Map.of("PG01", "10.29.0.11"));

        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.line()).isEqualTo(9);
        assertThat(e.key()).isEqualTo("listeners[0].bind");
        assertThat(e.getMessage()).isEqualTo("/etc/patroxy/patroxy.yml:9: listeners[0].bind: environment variable PORT"
                + " is not set; set it, or give a default: ${PORT:-VALUE}");
    }

    @Test
    void brokenReferencesNameTheValue() {
        String yaml = TEMPLATE.replace("${PG01}", "${PG01");
        assertThat(errorOf(yaml, Map.of("PORT", "5000")).getMessage())
                .startsWith("/etc/patroxy/patroxy.yml:5: servers[0].address: '${' without a closing '}'");
        yaml = TEMPLATE.replace("${PG01}", "${1PG}");
        assertThat(errorOf(yaml, Map.of("PORT", "5000")).getMessage())
                .contains("servers[0].address: '${1PG}' does not name an environment variable");
    }

    @Test
    void aDoubleDollarIsALiteralDollarAndALoneDollarStays() throws Exception {
        assertThat(EnvSubstitution.resolve("pa$$word$", Map.of())).isEqualTo("pa$word$");
        assertThat(EnvSubstitution.resolve("$${HOME}", Map.of("HOME", "/root"))).isEqualTo("${HOME}");
        assertThat(EnvSubstitution.resolve("a$b ${X}${X:-d}", Map.of("X", "x"))).isEqualTo("a$b xx");
        assertThat(EnvSubstitution.resolve("${X:-}", Map.of())).isEmpty();
        assertThat(EnvSubstitution.resolve("${X:-a:-b}", Map.of())).isEqualTo("a:-b");
    }

    @Test
    void aVariablesValueIsNeverReadAsYamlOrSubstitutedAgain() {
        ConfigException e = errorOf(TEMPLATE, Map.of("PG01", "[a, b]", "PORT", "5000"));
        assertThat(e.key()).isEqualTo("servers[0].address");
        assertThat(e.getMessage()).contains("'a, b' is not a host name");
        e = errorOf(TEMPLATE, Map.of("PG01", "pg01", "PORT", "5000", "CHECK_PORT", "${PORT}"));
        assertThat(e.key()).isEqualTo("servers[0].check-port");
        assertThat(e.getMessage()).contains("expected a whole number, found '${PORT}'");
    }

    @Test
    void keysAreNotSubstituted() {
        ConfigException e = errorOf("${TOP}: {}\n", Map.of("TOP", "stats"));
        assertThat(e.key()).isEqualTo("${TOP}");
        assertThat(e.getMessage()).contains("unknown key");
    }

    @Test
    void loadUsesTheGivenEnvironment(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("p.yml"), TEMPLATE);
        assertThat(ConfigLoader.load(file, Map.of("PG01", "pg01", "PORT", "6000")).listeners().get(0).binds())
                .extracting(BindAddress::toString).containsExactly("127.0.0.1:6000");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of("PG01", "pg01")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PORT is not set");
    }
}
