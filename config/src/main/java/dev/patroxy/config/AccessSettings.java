package dev.patroxy.config;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the TLS and authentication settings of the links patroxy speaks, and the files they name, when the
 * configuration is read: a certificate that cannot be used is the configuration's error, with its line and key.
 */
final class AccessSettings {
    static final Set<String> TLS_CLIENT_KEYS = Set.of("ca-file", "cert-file", "key-file", "verify");
    static final Set<String> TLS_SERVER_KEYS = Set.of("cert-file", "key-file");
    static final Set<String> AUTH_KEYS = Set.of("username", "password", "password-file");
    private static final Map<String, Boolean> VERIFY = Map.of("required", true, "none", false);
    /** Far above a certificate chain or a CA bundle (Debian's whole bundle is about 220 KB). */
    private static final int MAX_PEM_BYTES = 1 << 20;
    private static final int MAX_SECRET_BYTES = 64 * 1024;

    private AccessSettings() {
    }

    /** A {@code tls} mapping for a connection patroxy makes, or {@code none}. */
    static Optional<TlsClient> tlsClientOrNone(ConfigNode node) throws ConfigException {
        if (node.isScalar("none")) {
            return Optional.empty();
        }
        Map<String, ConfigNode> keys = node.mapping(TLS_CLIENT_KEYS);
        boolean verify = node.optional(keys, "verify", n -> n.choice(VERIFY,
                v -> "unknown verify '" + v + "'; expected required or none")).orElse(true);
        Optional<PemFile> ca = node.optional(keys, "ca-file", n -> pem(n, true, false));
        if (ca.isPresent() && !verify) {
            throw keys.get("ca-file").error("a CA file is not used with verify: none; remove one of the two");
        }
        Optional<TlsClient.ClientCertificate> certificate = Optional.empty();
        if (keys.containsKey("cert-file")) {
            certificate = Optional.of(certificate(keys.get("cert-file"), keys.get("key-file")));
        } else if (keys.containsKey("key-file")) {
            throw keys.get("key-file").error("a key without its certificate; give cert-file too");
        }
        return Optional.of(new TlsClient(verify, ca, certificate));
    }

    /** The certificate and key a server of patroxy's shows its clients. */
    static Optional<TlsServer> tlsServerOrNone(ConfigNode node) throws ConfigException {
        if (node.isScalar("none")) {
            return Optional.empty();
        }
        Map<String, ConfigNode> keys = node.mapping(TLS_SERVER_KEYS);
        ConfigNode certNode = node.required(keys, "cert-file", n -> n);
        TlsClient.ClientCertificate pair = certificate(certNode, keys.get("key-file"));
        return Optional.of(new TlsServer(pair.certFile(), pair.keyFile()));
    }

    /**
     * A certificate chain and its key; without {@code key-file} the key is read from the certificate's file (HAProxy's
     * {@code crt} holds both).
     */
    private static TlsClient.ClientCertificate certificate(ConfigNode certNode, ConfigNode keyNode)
            throws ConfigException {
        PemFile cert = pem(certNode, true, keyNode == null);
        ConfigNode keyAt = keyNode == null ? certNode : keyNode;
        PemFile key = keyNode == null ? cert : pem(keyNode, false, true);
        try {
            PrivateKey privateKey = Pem.privateKey(key.text().value());
            X509Certificate first = Pem.certificates(cert.text().value()).get(0);
            Pem.checkPair(privateKey, first);
        } catch (Pem.PemException e) {
            throw keyAt.error(key.path() + ": " + e.getMessage());
        }
        return new TlsClient.ClientCertificate(cert, key);
    }

    /** A PEM file with the certificates or the key (or both) it must hold. */
    private static PemFile pem(ConfigNode node, boolean certificates, boolean key) throws ConfigException {
        ConfigNode.FileText file = node.fileText(MAX_PEM_BYTES);
        try {
            if (certificates) {
                Pem.certificates(file.text());
            }
            if (key) {
                Pem.privateKey(file.text());
            }
        } catch (Pem.PemException e) {
            throw node.error(file.path() + ": " + e.getMessage());
        }
        return new PemFile(file.path(), new Secret(file.text()));
    }

    /** An {@code auth} mapping (username and password or password-file), or {@code none}. */
    static Optional<BasicAuth> authOrNone(ConfigNode node) throws ConfigException {
        return node.isScalar("none") ? Optional.empty() : Optional.of(auth(node));
    }

    /** One {@code username}/{@code password} mapping, or a list of them. */
    static List<BasicAuth> users(ConfigNode node) throws ConfigException {
        List<ConfigNode> items = node.isScalar("none") ? List.of() : node.sequenceOrMapping();
        List<BasicAuth> users = new ArrayList<>();
        for (ConfigNode item : items) {
            BasicAuth user = auth(item);
            if (users.stream().anyMatch(u -> u.username().equals(user.username()))) {
                throw item.error("user '" + user.username() + "' is listed twice");
            }
            users.add(user);
        }
        return users;
    }

    static BasicAuth auth(ConfigNode node) throws ConfigException {
        Map<String, ConfigNode> keys = node.mapping(AUTH_KEYS);
        String username = node.required(keys, "username", ConfigNode::string);
        if (username.indexOf(':') >= 0) {
            throw keys.get("username").error("a user name for basic authentication cannot hold ':'");
        }
        return new BasicAuth(username, secret(node, keys, "password"));
    }

    /** {@code NAME} written out or {@code NAME-file} naming a file that holds it (one trailing newline dropped). */
    static Secret secret(ConfigNode node, Map<String, ConfigNode> keys, String name) throws ConfigException {
        ConfigNode inline = keys.get(name);
        ConfigNode fromFile = keys.get(name + "-file");
        if (inline != null && fromFile != null) {
            throw fromFile.error("give either " + name + " or " + name + "-file, not both");
        }
        if (fromFile == null) {
            return new Secret(node.required(keys, name, ConfigNode::string));
        }
        String text = fromFile.fileText(MAX_SECRET_BYTES).text();
        String value = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        if (value.isEmpty()) {
            throw fromFile.error("the file is empty");
        }
        return new Secret(value);
    }
}
