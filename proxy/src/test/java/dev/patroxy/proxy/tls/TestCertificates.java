package dev.patroxy.proxy.tls;

import dev.patroxy.config.PemFile;
import dev.patroxy.config.Secret;
import dev.patroxy.config.TlsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/** A CA, a server certificate for localhost and 127.0.0.1 signed by it, and a client certificate signed by it. */
public final class TestCertificates {
    public final HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("test CA").build();
    public final HeldCertificate server = new HeldCertificate.Builder().signedBy(ca).commonName("localhost")
            .addSubjectAlternativeName("localhost").addSubjectAlternativeName("127.0.0.1").build();
    public final HeldCertificate client = new HeldCertificate.Builder().signedBy(ca).commonName("patroxy").build();

    /** What a server shows: its certificate; it trusts client certificates of the CA. */
    public HandshakeCertificates serverSide() {
        return new HandshakeCertificates.Builder().heldCertificate(server).addTrustedCertificate(ca.certificate())
                .build();
    }

    /** Trusts this CA; with {@code withClientCertificate}, shows the client certificate. */
    public TlsClient tlsClient(boolean withClientCertificate) {
        return new TlsClient(true, Optional.of(pem("ca.pem", ca.certificatePem())), withClientCertificate
                ? Optional.of(new TlsClient.ClientCertificate(pem("client.pem", client.certificatePem()),
                        pem("client.key", client.privateKeyPkcs8Pem())))
                : Optional.empty());
    }

    /** Trusts another CA than this one. */
    public static TlsClient trustingAnotherCa() {
        HeldCertificate other = new HeldCertificate.Builder().certificateAuthority(0).commonName("other CA").build();
        return new TlsClient(true, Optional.of(pem("other-ca.pem", other.certificatePem())), Optional.empty());
    }

    /** Writes the CA, server and client certificates and keys as PEM files into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("server.pem"), server.certificatePem());
        Files.writeString(dir.resolve("server.key"), server.privateKeyPkcs8Pem());
        Files.writeString(dir.resolve("client.pem"), client.certificatePem());
        Files.writeString(dir.resolve("client.key"), client.privateKeyPkcs8Pem());
    }

    public static PemFile pem(String name, String text) {
        return new PemFile(Path.of(name), new Secret(text));
    }
}
