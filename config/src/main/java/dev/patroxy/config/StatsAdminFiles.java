package dev.patroxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code stats.admin}: its users file ({@code name:HASH} lines) and token file, each error with the file and line
 * at fault.
 */
final class StatsAdminFiles {
    static final Set<String> KEYS = Set.of("users-file", "token-file");
    /** Far above a users file of a few operators. */
    private static final int MAX_USERS_BYTES = 1 << 20;
    private static final int MAX_TOKEN_BYTES = 64 * 1024;
    /** Below this a token could be guessed by trying: 32 characters of hex are 128 bits. */
    static final int MIN_TOKEN_LENGTH = 32;
    /** What an {@code Authorization: Bearer} value can hold (RFC 6750's b64token). */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");
    /**
     * crypt(3)'s SHA-256 ({@code $5$}) and SHA-512 ({@code $6$}) hashes, as glibc, {@code openssl passwd -5/-6} and
     * {@code mkpasswd -m sha-256/sha-512} write them: optional rounds, a salt of up to 16 characters, the digest in
     * crypt's base 64 (43 characters for SHA-256, 86 for SHA-512).
     */
    private static final Pattern SHA_CRYPT =
            Pattern.compile("\\$([56])\\$(?:rounds=[0-9]{1,9}\\$)?[./0-9A-Za-z]{1,16}\\$([./0-9A-Za-z]+)");
    private static final Pattern ANY_CRYPT = Pattern.compile("\\$[0-9a-z]{1,2}\\$.*");

    private StatsAdminFiles() {
    }

    /** {@code stats.admin}, or {@code none}. */
    static Optional<StatsAdmin> adminOrNone(ConfigNode node) throws ConfigException {
        if (node.isScalar("none")) {
            return Optional.empty();
        }
        Map<String, ConfigNode> keys = node.mapping(KEYS);
        if (keys.isEmpty()) {
            throw node.error("give users-file, token-file or both; or none for no admin controls");
        }
        Optional<Path> usersFile = node.optional(keys, "users-file", ConfigNode::path);
        List<StatsAdmin.User> users = keys.containsKey("users-file") ? users(keys.get("users-file")) : List.of();
        Optional<Secret> token = node.optional(keys, "token-file", StatsAdminFiles::token);
        return Optional.of(new StatsAdmin(usersFile, users, token));
    }

    private static List<StatsAdmin.User> users(ConfigNode node) throws ConfigException {
        ConfigNode.FileText file = node.fileText(MAX_USERS_BYTES);
        List<StatsAdmin.User> users = new ArrayList<>();
        Map<String, Integer> lineOfUser = new HashMap<>();
        String[] lines = file.text().split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw error(file, number, node, "expected name:HASH");
            }
            String name = line.substring(0, colon).strip();
            String hash = line.substring(colon + 1).strip();
            if (name.chars().anyMatch(Character::isWhitespace)) {
                throw error(file, number, node, "a user name cannot hold a blank");
            }
            Integer before = lineOfUser.putIfAbsent(name, number);
            if (before != null) {
                throw error(file, number, node, "user '" + name + "' is on line " + before + " already");
            }
            String problem = hashProblem(hash);
            if (problem != null) {
                throw error(file, number, node, "user '" + name + "': " + problem);
            }
            users.add(new StatsAdmin.User(name, new Secret(hash)));
        }
        if (users.isEmpty()) {
            throw node.error(file.path() + " lists no user");
        }
        return users;
    }

    /** Why a users file's hash cannot be used, or null; the hash itself is never part of the answer. */
    private static String hashProblem(String hash) {
        Matcher sha = SHA_CRYPT.matcher(hash);
        if (sha.matches()) {
            int digest = sha.group(1).equals("5") ? 43 : 86;
            return sha.group(2).length() == digest ? null
                    : "the hash is cut short or too long (a $" + sha.group(1) + "$ hash ends in " + digest
                            + " characters after its salt)";
        }
        if (ANY_CRYPT.matcher(hash).matches()) {
            return "the hash's scheme is not taken; give a SHA-512 ($6$) or SHA-256 ($5$) crypt hash, as"
                    + " openssl passwd -6 makes it";
        }
        return "not a crypt hash (a password written out is not taken); give a SHA-512 ($6$) or SHA-256 ($5$)"
                + " crypt hash, as openssl passwd -6 makes it";
    }

    private static ConfigException error(ConfigNode.FileText file, int line, ConfigNode node, String problem) {
        return new ConfigException(file.path(), line, node.key(), problem);
    }

    private static Secret token(ConfigNode node) throws ConfigException {
        ConfigNode.FileText file = node.fileText(MAX_TOKEN_BYTES);
        String token = file.text().strip();
        if (token.length() < MIN_TOKEN_LENGTH) {
            throw node.error(file.path() + " holds " + (token.isEmpty() ? "no token" : "a token of " + token.length()
                    + " characters") + "; give one of at least " + MIN_TOKEN_LENGTH + " (openssl rand -hex 32)");
        }
        if (!TOKEN.matcher(token).matches()) {
            throw node.error(file.path() + ": a token is one line of letters, digits and -._~+/ (openssl rand -hex"
                    + " 32 makes one)");
        }
        return new Secret(token);
    }
}
