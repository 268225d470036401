package dev.patroxy.config.haproxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import okhttp3.tls.HeldCertificate;

/** The certificates and keys that the test haproxy.cfg files name, made afresh: HAProxy and patroxy both read them. */
final class TestTlsFiles {
    private TestTlsFiles() {
    }

    /**
     * {@code ca.pem} and {@code patroxy.pem} (a client certificate with its key) in {@code dir} and in its
     * {@code tls/}; {@code patroxy-cert.pem} without its key, which is in {@code patroxy-cert.pem.key}; and
     * {@code client.pem}, a self-signed certificate with its key.
     */
    static void writeTo(Path dir) throws IOException {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("patroxy test CA")
                .build();
        HeldCertificate client = new HeldCertificate.Builder().signedBy(ca).commonName("patroxy").build();
        for (Path at : List.of(dir, Files.createDirectories(dir.resolve("tls")))) {
            Files.writeString(at.resolve("ca.pem"), ca.certificatePem());
            Files.writeString(at.resolve("patroxy.pem"), client.certificatePem() + client.privateKeyPkcs8Pem());
        }
        Files.writeString(dir.resolve("patroxy-cert.pem"), client.certificatePem());
        Files.writeString(dir.resolve("patroxy-cert.pem.key"), client.privateKeyPkcs8Pem());
        Files.writeString(dir.resolve("client.pem"), HaproxyImporterTest.resource("client.pem"));
    }
}
