package dev.patroxy.proxy.tls;

import dev.patroxy.config.Pem;
import dev.patroxy.config.TlsClient;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;

/**
 * An OkHttp client's TLS from a {@link TlsClient}: the CA file (else the JDK's trust store) as the only trust, the
 * client certificate for servers that ask for one, or no verification at all for {@code verify: none}.
 */
public final class ClientTls {
    private static final char[] IN_MEMORY = "patroxy".toCharArray();

    private ClientTls() {
    }

    /**
     * {@code builder} speaking TLS as {@code tls} says. Files were read and checked with the configuration; what can
     * still fail here (the JDK refusing a key) is an IllegalStateException with the reason.
     */
    public static OkHttpClient.Builder configure(OkHttpClient.Builder builder, TlsClient tls) {
        try {
            X509TrustManager trust = tls.verify() ? trustManager(tls) : TrustingEveryone.INSTANCE;
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers(tls), new TrustManager[] {trust}, null);
            builder.sslSocketFactory(context.getSocketFactory(), trust)
                    .connectionSpecs(List.of(ConnectionSpec.MODERN_TLS));
            if (!tls.verify()) {
                builder.hostnameVerifier((host, session) -> true);
            }
            return builder;
        } catch (GeneralSecurityException | IOException | Pem.PemException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static X509TrustManager trustManager(TlsClient tls)
            throws GeneralSecurityException, IOException, Pem.PemException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (tls.caFile().isEmpty()) {
            factory.init((KeyStore) null);
        } else {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            AtomicInteger n = new AtomicInteger();
            for (X509Certificate ca : Pem.certificates(tls.caFile().get().text().value())) {
                store.setCertificateEntry("ca" + n.incrementAndGet(), ca);
            }
            factory.init(store);
        }
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("the JDK gave no X.509 trust manager");
    }

    private static KeyManager[] keyManagers(TlsClient tls)
            throws GeneralSecurityException, IOException, Pem.PemException {
        if (tls.certificate().isEmpty()) {
            return null;
        }
        TlsClient.ClientCertificate certificate = tls.certificate().get();
        return keyManagers(certificate.certFile().text().value(), certificate.keyFile().text().value());
    }

    private static KeyManager[] keyManagers(String certificatePem, String keyPem)
            throws GeneralSecurityException, IOException, Pem.PemException {
        List<X509Certificate> chain = Pem.certificates(certificatePem);
        PrivateKey key = Pem.privateKey(keyPem);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("patroxy", key, IN_MEMORY, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, IN_MEMORY);
        return factory.getKeyManagers();
    }

    /**
     * {@code verify: none}: every chain is taken, as HAProxy's {@code verify none} takes it. Extended, so that the JDK
     * does not add its own checks around it.
     */
    private static final class TrustingEveryone extends X509ExtendedTrustManager {
        static final TrustingEveryone INSTANCE = new TrustingEveryone();

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
