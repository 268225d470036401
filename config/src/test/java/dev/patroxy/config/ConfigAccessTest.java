package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPrivateKey;
import java.util.Map;
import java.util.Optional;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and basic authentication of the Patroni REST API checks, and the files they read. */
class ConfigAccessTest {
    @TempDir
    Path dir;
    private Path file;
    private HeldCertificate ca;
    private HeldCertificate client;

    @BeforeEach
    void certificates() throws Exception {
        file = dir.resolve("patroxy.yml");
        ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("test CA").build();
        client = new HeldCertificate.Builder().signedBy(ca).commonName("patroxy").build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("client.pem"), client.certificatePem());
        Files.writeString(dir.resolve("client.key"), client.privateKeyPkcs8Pem());
        Files.writeString(dir.resolve("password"), "s3cret\n");
    }

    private String config(String defaultsCheck, String serverExtra, String listenerCheck) {
        return """
                stats: {bind: "127.0.0.1:7000"}
                defaults:
                  check:
                %s
                servers:
                  - {name: pg01, address: "10.29.0.11:5432", check-port: 8008%s}
                  - {name: pg02, address: "10.29.0.12:5432", check-port: 8008}
                listeners:
                  - {name: primary, bind: "127.0.0.1:5000", balance: primary%s}
                """.formatted(defaultsCheck.indent(4).stripTrailing(), serverExtra, listenerCheck);
    }

    private PatroxyConfig load(String yaml) throws ConfigException, java.io.IOException {
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, Map.of());
    }

    private ConfigException errorOf(String yaml) throws java.io.IOException {
        try {
            load(yaml);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void defaultsGiveEveryServerTlsAndAuthAndAServerCanSayOtherwise() throws Exception {
        PatroxyConfig config = load(config("""
                inter: 1s
                tls: {ca-file: ca.pem, cert-file: client.pem, key-file: client.key}
                auth: {username: patroxy, password-file: password}""",
                ", check-tls: none, check-auth: {username: other, password: '${PW:-pw}'}", ""));

        ApiAccess pg01 = config.servers().get(0).checkAccess();
        assertThat(pg01.tls()).isEmpty();
        assertThat(pg01.scheme()).isEqualTo("http");
        assertThat(pg01.auth()).contains(new BasicAuth("other", new Secret("pw")));
        ApiAccess pg02 = config.servers().get(1).checkAccess();
        assertThat(pg02.scheme()).isEqualTo("https");
        TlsClient tls = pg02.tls().orElseThrow();
        assertThat(tls.verify()).isTrue();
        assertThat(tls.caFile().orElseThrow().path()).as("relative to the configuration's directory")
                .isEqualTo(dir.resolve("ca.pem"));
        assertThat(tls.caFile().orElseThrow().text().value()).isEqualTo(ca.certificatePem());
        assertThat(tls.certificate().orElseThrow().keyFile().text().value()).isEqualTo(client.privateKeyPkcs8Pem());
        assertThat(pg02.auth()).as("one trailing newline dropped")
                .contains(new BasicAuth("patroxy", new Secret("s3cret")));
        assertThat(config.toString()).doesNotContain("s3cret", "PRIVATE KEY");
    }

    @Test
    void withoutAKeyFileTheKeyIsReadFromTheCertificatesFileAndPkcs1RsaKeysRead() throws Exception {
        HeldCertificate rsa = new HeldCertificate.Builder().signedBy(ca).rsa2048().build();
        Files.writeString(dir.resolve("both.pem"), rsa.certificatePem() + rsa.privateKeyPkcs1Pem());

        TlsClient tls = load(config("tls: {cert-file: both.pem}", "", "")).servers().get(0).checkAccess().tls()
                .orElseThrow();

        assertThat(tls.caFile()).as("the JDK's trust store").isEmpty();
        assertThat(tls.certificate().orElseThrow().keyFile().path()).isEqualTo(dir.resolve("both.pem"));
        assertThat(Pem.privateKey(tls.certificate().orElseThrow().keyFile().text().value()).getAlgorithm())
                .isEqualTo("RSA");
    }

    @Test
    void verifyNoneTakesNoCaFile() throws Exception {
        TlsClient tls = load(config("tls: {verify: none}", "", "")).servers().get(0).checkAccess().tls().orElseThrow();
        assertThat(tls.verify()).isFalse();

        ConfigException e = errorOf(config("tls: {verify: none, ca-file: ca.pem}", "", ""));
        assertThat(e.key()).isEqualTo("defaults.check.tls.ca-file");
        assertThat(e.getMessage()).contains("not used with verify: none");
        assertThat(errorOf(config("tls: {verify: maybe}", "", "")).getMessage())
                .contains("defaults.check.tls.verify: unknown verify 'maybe'; expected required or none");
    }

    @Test
    void sec1EcKeysAsOpensslWritesThemRead() throws Exception {
        Path openssl = Path.of("/usr/bin/openssl");
        assumeTrue(Files.isExecutable(openssl), "openssl is not installed");
        // The client's own key (EC P-256, in PKCS#8) rewritten by `openssl ec` as SEC 1, curve and public key inside.
        Process convert = new ProcessBuilder(openssl.toString(), "ec", "-in", dir.resolve("client.key").toString(),
                "-out", dir.resolve("client-sec1.key").toString()).redirectErrorStream(true).start();
        convert.getInputStream().readAllBytes();
        assertThat(convert.waitFor()).isZero();
        String sec1 = Files.readString(dir.resolve("client-sec1.key"));
        assertThat(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----");

        TlsClient tls = load(config("tls:\n  cert-file: client.pem\n  key-file: client-sec1.key", "", "")).servers()
                .get(0).checkAccess().tls().orElseThrow();

        // The load checked that the key signs for the certificate; the scalar is the PKCS#8 form's.
        assertThat(((ECPrivateKey) Pem.privateKey(tls.certificate().orElseThrow().keyFile().text().value())).getS())
                .isEqualTo(((ECPrivateKey) Pem.privateKey(client.privateKeyPkcs8Pem())).getS());
        Process generate = new ProcessBuilder(openssl.toString(), "ecparam", "-name", "secp384r1", "-genkey")
                .start();
        String generated = new String(generate.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(generate.waitFor()).isZero();
        assertThat(generated).as("EC PARAMETERS, then the key").contains("-----BEGIN EC PARAMETERS-----");
        assertThat(Pem.privateKey(generated).getAlgorithm()).isEqualTo("EC");

        Process explicit = new ProcessBuilder(openssl.toString(), "ec", "-in", dir.resolve("client.key").toString(),
                "-param_enc", "explicit").start();
        String withExplicitParameters = new String(explicit.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(explicit.waitFor()).isZero();
        assertThatThrownBy(() -> Pem.privateKey(withExplicitParameters)).hasMessageContaining(
                "does not name its curve (its parameters are explicit, or left out); name it: openssl ec -in KEY"
                        + " -param_enc named_curve");
        Process encrypted = new ProcessBuilder(openssl.toString(), "ec", "-in", dir.resolve("client.key").toString(),
                "-aes128", "-passout", "pass:secret").start();
        String legacyEncrypted = new String(encrypted.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(encrypted.waitFor()).isZero();
        assertThatThrownBy(() -> Pem.privateKey(legacyEncrypted)).hasMessageContaining("the private key is encrypted");
    }

    @Test
    void aKeyThatIsNotTheCertificatesNamesItsLineAndKey() throws Exception {
        Files.writeString(dir.resolve("other.key"), new HeldCertificate.Builder().build().privateKeyPkcs8Pem());

        ConfigException e = errorOf(config("tls:\n  cert-file: client.pem\n  key-file: other.key", "", ""));

        assertThat(e.file()).isEqualTo(file);
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.key()).isEqualTo("defaults.check.tls.key-file");
        assertThat(e.getMessage()).contains("the private key does not belong to the certificate (CN=patroxy)");
    }

    @Test
    void filesThatCannotBeUsedNameTheirKey() throws Exception {
        assertThat(errorOf(config("tls: {ca-file: missing.pem}", "", "")).getMessage())
                .isEqualTo(file + ":4: defaults.check.tls.ca-file: cannot read " + dir.resolve("missing.pem")
                        + ": it does not exist");
        assertThat(errorOf(config("tls: {ca-file: client.key}", "", "")).getMessage())
                .contains("defaults.check.tls.ca-file: " + dir.resolve("client.key")
                        + ": no certificate in it (a '-----BEGIN CERTIFICATE-----' block)");
        assertThat(errorOf(config("tls: {cert-file: client.pem}", "", "")).getMessage())
                .as("no key-file, and none in the certificate's file")
                .contains("defaults.check.tls.cert-file: " + dir.resolve("client.pem") + ": no private key in it");
        assertThat(errorOf(config("tls: {key-file: client.key}", "", "")).getMessage())
                .contains("defaults.check.tls.key-file: a key without its certificate");
        assertThat(errorOf(config("tls: {ca-file: " + dir + "}", "", "")).getMessage())
                .contains(dir + " is not a regular file");
        Files.writeString(dir.resolve("ec.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThat(errorOf(config("tls: {cert-file: client.pem, key-file: ec.key}", "", "")).getMessage())
                .contains("defaults.check.tls.key-file: " + dir.resolve("ec.key")
                        + ": the EC private key cannot be read (not a SEC 1 ECPrivateKey)");
        Files.writeString(dir.resolve("dsa.key"), "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n");
        assertThat(errorOf(config("tls: {cert-file: client.pem, key-file: dsa.key}", "", "")).getMessage())
                .contains("convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void aPasswordIsWrittenOrReadFromAFileNotBoth() throws Exception {
        assertThat(errorOf(config("auth: {username: u, password: p, password-file: password}", "", "")).getMessage())
                .contains("defaults.check.auth.password-file: give either password or password-file, not both");
        assertThat(errorOf(config("auth: {username: u}", "", "")).getMessage())
                .contains("defaults.check.auth.password: required key is missing");
        Files.writeString(dir.resolve("empty"), "\n");
        assertThat(errorOf(config("auth: {username: u, password-file: empty}", "", "")).getMessage())
                .contains("defaults.check.auth.password-file: the file is empty");
        assertThat(errorOf(config("auth: {username: 'a:b', password: p}", "", "")).getMessage())
                .contains("defaults.check.auth.username: a user name for basic authentication cannot hold ':'");
    }

    @Test
    void anUnreadablePasswordFileNamesItsLineAndKey() throws Exception {
        Path secret = dir.resolve("password");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        // root reads any file whatever its mode: only an unprivileged run sees the refusal.
        if (Files.isReadable(secret)) {
            Files.delete(secret);
        }
        ConfigException e = errorOf(config("auth:\n  username: u\n  password-file: password", "", ""));
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.key()).isEqualTo("defaults.check.auth.password-file");
        assertThat(e.getMessage()).containsAnyOf("permission denied", "it does not exist");
    }

    @Test
    void aListenerCannotSetTheServersTls() throws Exception {
        ConfigException e = errorOf(config("inter: 1s", "", ", check: {tls: {verify: none}}"));
        assertThat(e.key()).isEqualTo("listeners[0].check.tls");
        assertThat(e.getMessage()).contains("set tls in defaults.check, or per server as check-tls");
    }

    @Test
    void theDcsSectionTakesTlsAndAnEtcdUser() throws Exception {
        String yaml = config("inter: 1s", "", "") + """
                dcs:
                  type: etcd3
                  hosts: "etcd1:2379"
                  scope: batman
                  tls: {ca-file: ca.pem, cert-file: client.pem, key-file: client.key}
                  auth: {username: patroxy, password-file: password}
                """;
        DcsConfig dcs = load(yaml).dcs().orElseThrow();

        assertThat(dcs.access().scheme()).isEqualTo("https");
        assertThat(dcs.access().tls().orElseThrow().certificate()).isPresent();
        assertThat(dcs.access().auth()).contains(new BasicAuth("patroxy", new Secret("s3cret")));
        assertThat(errorOf(yaml.replace("password-file: password", "password-file: nope")).key())
                .isEqualTo("dcs.auth.password-file");
        assertThat(dcs.sameKeys(dcs.withAccess(ApiAccess.PLAIN))).as("reached otherwise, the same keys").isTrue();
        assertThat(dcs.sameKeys(load(yaml.replace("scope: batman", "scope: other")).dcs().orElseThrow())).isFalse();
    }

    @Test
    void theStatsPageTakesACertificateAndUsers() throws Exception {
        Files.writeString(dir.resolve("stats.pem"), client.certificatePem() + client.privateKeyPkcs8Pem());
        String yaml = config("inter: 1s", "", "").replace("stats: {bind: \"127.0.0.1:7000\"}", """
                stats:
                  bind: "127.0.0.1:7000"
                  tls: {cert-file: stats.pem}
                  auth:
                    - {username: admin, password: a}
                    - {username: prometheus, password-file: password}""");
        StatsConfig stats = load(yaml).stats();

        assertThat(stats.tls().orElseThrow().keyFile().path()).isEqualTo(dir.resolve("stats.pem"));
        assertThat(stats.users()).containsExactly(new BasicAuth("admin", new Secret("a")),
                new BasicAuth("prometheus", new Secret("s3cret")));
        assertThat(errorOf(yaml.replace("{cert-file: stats.pem}", "{key-file: stats.pem}")).getMessage())
                .contains("stats.tls.cert-file: required key is missing");
        assertThat(errorOf(yaml.replace("prometheus", "admin")).getMessage())
                .contains("stats.auth[1]: user 'admin' is listed twice");
    }

    @Test
    void noTlsByDefault() throws Exception {
        assertThat(load(config("inter: 1s", "", "")).servers().get(0).checkAccess()).isEqualTo(ApiAccess.PLAIN);
        assertThat(new Secret("x").toString()).isEqualTo("(secret)");
        assertThat(Optional.of(new Secret("x")).toString()).doesNotContain("x]");
    }
}
