package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Any file content: {@link ConfigLoader#parse} gives a configuration or a {@link ConfigException} naming the file
 * (and a line when there is one), never another exception; reading the same text twice gives the same
 * configuration.
 */
class ConfigLoaderFuzzTest {
    private static final Path FILE = Path.of("/etc/patroxy/patroxy.yml");

    @FuzzTest
    void anyTextIsAConfigurationOrAConfigException(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        PatroxyConfig config;
        try {
            config = ConfigLoader.parse(FILE, text);
        } catch (ConfigException e) {
            assertThat(e.file()).isEqualTo(FILE);
            assertThat(e.line()).isNotNegative();
            assertThat(e.getMessage()).startsWith(FILE + ":");
            return;
        }
        assertThat(config).isNotNull();
        try {
            assertThat(ConfigLoader.parse(FILE, text)).isEqualTo(config);
        } catch (ConfigException e) {
            throw new AssertionError("accepted once, refused the second time", e);
        }
    }
}
