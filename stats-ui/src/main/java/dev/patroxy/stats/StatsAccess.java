package dev.patroxy.stats;

import io.netty.handler.ssl.SslContext;
import java.util.Optional;
import java.util.Set;

/**
 * How the stats server serves a connection: over TLS with this context, or in the clear; the {@code Authorization}
 * header values that may read it (HAProxy's {@code stats auth}), none meaning anyone; and who may use the admin
 * controls (HAProxy's {@code stats admin}), none meaning the page has none.
 */
public record StatsAccess(Optional<SslContext> tls, Set<String> authorizations, Optional<AdminCredentials> admin) {
    public static final StatsAccess OPEN = new StatsAccess(Optional.empty(), Set.of());

    public StatsAccess {
        authorizations = Set.copyOf(authorizations);
    }

    /** Without admin controls. */
    public StatsAccess(Optional<SslContext> tls, Set<String> authorizations) {
        this(tls, authorizations, Optional.empty());
    }
}
