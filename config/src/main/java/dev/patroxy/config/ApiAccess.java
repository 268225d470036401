package dev.patroxy.config;

import java.util.Optional;

/** How an HTTP API is reached: in the clear or over TLS, with or without basic authentication. */
public record ApiAccess(Optional<TlsClient> tls, Optional<BasicAuth> auth) {
    public static final ApiAccess PLAIN = new ApiAccess(Optional.empty(), Optional.empty());

    public String scheme() {
        return tls.isPresent() ? "https" : "http";
    }
}
