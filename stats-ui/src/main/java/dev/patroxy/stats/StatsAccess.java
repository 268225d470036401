package dev.patroxy.stats;

import io.netty.handler.ssl.SslContext;
import java.util.Optional;
import java.util.Set;

/**
 * How the stats server serves a connection: over TLS with this context, or in the clear; and the {@code Authorization}
 * header values that may read it (HAProxy's {@code stats auth}), none meaning anyone.
 */
public record StatsAccess(Optional<SslContext> tls, Set<String> authorizations) {
    public static final StatsAccess OPEN = new StatsAccess(Optional.empty(), Set.of());

    public StatsAccess {
        authorizations = Set.copyOf(authorizations);
    }
}
