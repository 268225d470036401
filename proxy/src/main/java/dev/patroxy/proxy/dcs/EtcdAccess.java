package dev.patroxy.proxy.dcs;

import dev.patroxy.config.BasicAuth;
import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.DcsType;
import dev.patroxy.proxy.tls.ClientTls;
import java.nio.charset.StandardCharsets;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;

/**
 * How patroxy reaches etcd as the {@code dcs} section says: over TLS (with a client certificate for etcd's
 * {@code --client-cert-auth}) and as an etcd user: basic authentication on the v2 API, a token from
 * {@code /v3/auth/authenticate} on the v3 gateway.
 */
final class EtcdAccess {
    private EtcdAccess() {
    }

    /** {@code builder}, its timeouts set, speaking to etcd as {@code dcs} says. */
    static OkHttpClient configure(OkHttpClient.Builder builder, DcsConfig dcs) {
        dcs.access().tls().ifPresent(tls -> ClientTls.configure(builder, tls));
        if (dcs.access().auth().isPresent()) {
            BasicAuth auth = dcs.access().auth().get();
            if (dcs.type() == DcsType.ETCD_V2) {
                String header = Credentials.basic(auth.username(), auth.password().value(), StandardCharsets.UTF_8);
                builder.addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
                        .header("Authorization", header).build()));
            } else {
                // Asking for a token takes no longer than any request to etcd may.
                OkHttpClient tokens = builder.build().newBuilder().callTimeout(dcs.timeout()).build();
                builder.addInterceptor(new EtcdV3Tokens(tokens, auth));
            }
        }
        return builder.build();
    }

    /** The API of {@code type} for {@code key}, over HTTPS when {@code dcs} has TLS. */
    static LeaderKeyApi api(DcsConfig dcs, String key) {
        String scheme = dcs.access().scheme();
        return dcs.type() == DcsType.ETCD_V2 ? new EtcdV2Api(key, scheme) : new EtcdV3Api(key, scheme);
    }
}
