package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/** Any text: {@link Pem} reads certificates and a key from it or says why not, never another exception. */
class PemFuzzTest {
    @FuzzTest
    void anyTextIsCertificatesAKeyOrAPemException(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        try {
            assertThat(Pem.certificates(text)).isNotEmpty().doesNotContainNull();
        } catch (Pem.PemException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        try {
            assertThat(Pem.privateKey(text)).isNotNull();
        } catch (Pem.PemException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
