package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.Credentials;
import org.junit.jupiter.api.Test;

class AdminCredentialsTest {
    static final String TOKEN = "0123456789abcdef0123456789abcdef";
    /** {@code openssl passwd -6 -salt abcdefgh secret}, for a machine without openssl. */
    private static final String KNOWN_SHA512 =
            "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.";

    /** What {@code openssl passwd -6} makes of {@code secret}, made by openssl now where it is on the PATH. */
    static String sha512OfSecret() {
        try {
            Process openssl = new ProcessBuilder("openssl", "passwd", "-6", "-salt", "abcdefgh", "secret")
                    .redirectErrorStream(true).start();
            String out = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return openssl.waitFor(10, TimeUnit.SECONDS) && openssl.exitValue() == 0 ? out : KNOWN_SHA512;
        } catch (IOException noOpenssl) {
            return KNOWN_SHA512;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return KNOWN_SHA512;
        }
    }

    private final AdminCredentials credentials = new AdminCredentials(Map.of("alice", sha512OfSecret(),
            "bob", "$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM."), Optional.of(TOKEN));

    @Test
    void opensslsHashesLetTheirUsersIn() {
        assertThat(sha512OfSecret()).isEqualTo(KNOWN_SHA512);
        assertThat(credentials.verify(Credentials.basic("alice", "secret")))
                .contains(new AdminCredentials.Admin("alice", false));
        assertThat(credentials.verify(Credentials.basic("bob", "secret")))
                .contains(new AdminCredentials.Admin("bob", false));
    }

    @Test
    void aWrongPasswordOrUnknownUserIsNobody() {
        assertThat(credentials.verify(Credentials.basic("alice", "secreT"))).isEmpty();
        assertThat(credentials.verify(Credentials.basic("alice", ""))).isEmpty();
        assertThat(credentials.verify(Credentials.basic("mallory", "secret"))).isEmpty();
        assertThat(credentials.verify(Credentials.basic("alice", sha512OfSecret()))).isEmpty();
        assertThat(credentials.verify(null)).isEmpty();
        assertThat(credentials.verify("Basic !!!")).isEmpty();
        assertThat(credentials.verify("Basic")).isEmpty();
        assertThat(credentials.verify("Digest username=alice")).isEmpty();
    }

    @Test
    void theBearerTokenIsAScript() {
        assertThat(credentials.verify("Bearer " + TOKEN)).contains(new AdminCredentials.Admin("bearer token", true));
        assertThat(credentials.verify("bearer " + TOKEN)).isPresent();
        assertThat(credentials.verify("Bearer " + TOKEN.substring(1))).isEmpty();
        assertThat(credentials.verify("Bearer " + TOKEN + "0")).isEmpty();
        assertThat(new AdminCredentials(Map.of("alice", sha512OfSecret()), Optional.empty())
                .verify("Bearer " + TOKEN)).isEmpty();
    }
}
