package dev.patroxy.stats;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.codec.digest.Crypt;

/**
 * Who may use the admin controls: users with crypt(3) hashes (HTTP Basic) and a bearer token for scripts. Every
 * comparison takes the same time whether it fails early or late, and an unknown user costs a hash as a known one does,
 * so that timing tells neither a password's prefix nor which users exist.
 */
public final class AdminCredentials {
    /** Someone whose credentials were right: a user's name, or the bearer token's holder. */
    public record Admin(String name, boolean bearer) {
    }

    /** Hashed in place of an unknown user's hash. */
    private static final String UNKNOWN_USER_HASH = "$6$unknownuser$";

    private final Map<String, String> hashes;
    private final Optional<byte[]> tokenDigest;

    /**
     * @param hashes each user's crypt hash ({@code $5$} or {@code $6$}) by name
     * @param token what {@code Authorization: Bearer} must carry
     */
    public AdminCredentials(Map<String, String> hashes, Optional<String> token) {
        this.hashes = Map.copyOf(hashes);
        this.tokenDigest = token.map(AdminCredentials::sha256);
        if (this.hashes.isEmpty() && tokenDigest.isEmpty()) {
            throw new IllegalArgumentException("admin credentials need users or a token");
        }
    }

    boolean hasUsers() {
        return !hashes.isEmpty();
    }

    boolean hasToken() {
        return tokenDigest.isPresent();
    }

    /** Whose credentials an {@code Authorization} header carries, if they are right. */
    Optional<Admin> verify(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        int space = authorization.indexOf(' ');
        String scheme = space < 0 ? "" : authorization.substring(0, space).toLowerCase(Locale.ROOT);
        String credentials = space < 0 ? "" : authorization.substring(space + 1).strip();
        return switch (scheme) {
            case "basic" -> basic(credentials);
            case "bearer" -> tokenDigest.filter(digest -> MessageDigest.isEqual(digest, sha256(credentials)))
                    .map(digest -> new Admin("bearer token", true));
            default -> Optional.empty();
        };
    }

    private Optional<Admin> basic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon < 0 || hashes.isEmpty()) {
            return Optional.empty();
        }
        String name = decoded.substring(0, colon);
        String hash = hashes.get(name);
        String computed = crypt(decoded.substring(colon + 1), hash == null ? UNKNOWN_USER_HASH : hash);
        boolean right = hash != null && MessageDigest.isEqual(computed.getBytes(StandardCharsets.UTF_8),
                hash.getBytes(StandardCharsets.UTF_8));
        return right ? Optional.of(new Admin(name, false)) : Optional.empty();
    }

    private static String crypt(String password, String hash) {
        try {
            return Crypt.crypt(password, hash);
        } catch (IllegalArgumentException unusableHash) {
            // The configuration checked each hash; one that still cannot be used lets nobody in.
            return "";
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
