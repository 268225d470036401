package dev.patroxy.config.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.patroxy.config.ConfigException;
import dev.patroxy.config.ConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * Any haproxy.cfg text: {@link HaproxyImporter#importText} gives a result whose YAML loads as its configuration, or
 * an error naming a line of the text, never another exception. The loader refusing what the importer wrote is an
 * error only for what HAProxy itself would refuse (addresses that do not resolve or collide, names used twice, TLS
 * files it cannot read, a runtime API socket it could not make or give to its user and group). With the stats
 * passwords left to files the configuration is the same, and no password is in the YAML.
 */
class HaproxyImporterFuzzTest {
    private static final Path SOURCE = Path.of("/etc/haproxy/haproxy.cfg");
    private static final Path TARGET = Path.of("/etc/patroxy/patroxy.yml");
    private static final List<String> REFUSALS_HAPROXY_SHARES = List.of("is not a host name or address",
            "cannot resolve", "overlaps", "is used twice", "expected host:port", "needs a host", "the directory",
            "on this machine", "bytes long", "is a directory", "is not a file path");

    @FuzzTest
    void anyTextIsAnImportOrAnErrorNamingALine(byte[] content) throws Exception {
        String text = new String(content, StandardCharsets.UTF_8);
        ImportResult result;
        try {
            result = HaproxyImporter.importText(SOURCE, text, TARGET, true);
        } catch (HaproxyImportException e) {
            assertThat(e.file()).isEqualTo(SOURCE);
            assertThat(e.line()).isBetween(1, Math.max(1, (int) text.lines().count()));
            assertThat(e.getMessage()).startsWith(SOURCE + ":" + e.line() + ": ");
            if (e.getCause() instanceof ConfigException refused) {
                assertThat(REFUSALS_HAPROXY_SHARES).as(refused.getMessage())
                        .anyMatch(refusal -> refused.getMessage().contains(refusal) || refused.key().endsWith("-file"));
            }
            assertThatThrownBy(() -> HaproxyImporter.importText(SOURCE, text, TARGET, false))
                    .isInstanceOfSatisfying(HaproxyImportException.class, withFiles -> assertThat(withFiles.line())
                            .isEqualTo(e.line()));
            return;
        }
        assertThat(ConfigLoader.parse(TARGET, result.yaml())).isEqualTo(result.config());
        assertThat(result.notes()).allSatisfy(note -> assertThat(note.line()).isPositive());
        assertThat(result.yaml().lines().takeWhile(l -> !l.isEmpty())).allMatch(l -> l.startsWith("#"));
        assertThat(result.passwordFiles()).isEmpty();

        ImportResult withFiles = HaproxyImporter.importText(SOURCE, text, TARGET, false);
        assertThat(withFiles.config()).isEqualTo(result.config());
        assertThat(withFiles.passwordFiles()).hasSameSizeAs(result.config().stats().users());
        Map<?, ?> stats = (Map<?, ?>) ((Map<?, ?>) new Yaml().load(withFiles.yaml())).get("stats");
        List<?> users = stats.get("auth") instanceof List<?> list ? list : List.of();
        assertThat(users).hasSameSizeAs(withFiles.passwordFiles())
                .allSatisfy(user -> assertThat(List.copyOf(((Map<?, ?>) user).keySet())).isEqualTo(List.of("username",
                        "password-file")));
    }
}
