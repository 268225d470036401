package dev.patroxy.config;

/** The certificate chain and key a server of patroxy's (the stats page) shows its clients. */
public record TlsServer(PemFile certFile, PemFile keyFile) {
}
