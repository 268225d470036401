package dev.patroxy.proxy.tls;

import dev.patroxy.config.BasicAuth;
import dev.patroxy.config.Pem;
import dev.patroxy.config.Secret;
import dev.patroxy.config.StatsAdmin;
import dev.patroxy.config.StatsConfig;
import dev.patroxy.config.TlsServer;
import dev.patroxy.stats.AdminCredentials;
import dev.patroxy.stats.StatsAccess;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import okhttp3.Credentials;

/** The stats server's TLS, users and admins from the {@code stats} section. */
public final class StatsTls {
    private StatsTls() {
    }

    /**
     * What the stats server serves new connections with. The files were read and checked with the configuration;
     * what Netty may still refuse is an IllegalStateException with the reason.
     */
    public static StatsAccess access(StatsConfig stats) {
        Optional<SslContext> tls = stats.tls().map(StatsTls::context);
        Set<String> authorizations = stats.users().stream().map(StatsTls::authorization).collect(Collectors.toSet());
        return new StatsAccess(tls, authorizations, stats.admin().map(StatsTls::admins));
    }

    private static AdminCredentials admins(StatsAdmin admin) {
        return new AdminCredentials(admin.users().stream()
                .collect(Collectors.toMap(StatsAdmin.User::name, user -> user.hash().value())),
                admin.token().map(Secret::value));
    }

    private static SslContext context(TlsServer tls) {
        try {
            return SslContextBuilder.forServer(Pem.privateKey(tls.keyFile().text().value()),
                    Pem.certificates(tls.certFile().text().value()).toArray(X509Certificate[]::new)).build();
        } catch (SSLException | Pem.PemException e) {
            throw new IllegalStateException("cannot serve the stats over TLS with " + tls.certFile() + ": "
                    + e.getMessage(), e);
        }
    }

    private static String authorization(BasicAuth user) {
        return Credentials.basic(user.username(), user.password().value(), StandardCharsets.UTF_8);
    }
}
