package dev.patroxy.config;

import java.util.Optional;

/**
 * TLS for a connection patroxy makes (to Patroni's REST API, to etcd): HAProxy's {@code check-ssl} with
 * {@code verify}, {@code ca-file} and {@code crt}.
 *
 * @param verify whether the server's certificate chain and host name are checked; without, anyone on the path can
 *     pose as the server (HAProxy's {@code verify none})
 * @param caFile the certificates the server's chain must lead to; empty: the JDK's trust store
 * @param certificate patroxy's own certificate chain and its key, for servers that ask for one (mutual TLS)
 */
public record TlsClient(boolean verify, Optional<PemFile> caFile, Optional<ClientCertificate> certificate) {
    /** A certificate chain and the private key of its first certificate. */
    public record ClientCertificate(PemFile certFile, PemFile keyFile) {
    }
}
