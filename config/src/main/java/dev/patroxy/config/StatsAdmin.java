package dev.patroxy.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Who may use the stats page's admin controls (HAProxy's {@code stats admin}): users with crypt(3) password hashes
 * from {@code stats.admin.users-file}, and a bearer token for scripts from {@code stats.admin.token-file}; at least one.
 *
 * @param usersFile the users file read, if any, for the log
 * @param users each user's name and hash, in the file's order
 * @param token what {@code Authorization: Bearer} must carry
 */
public record StatsAdmin(Optional<Path> usersFile, List<User> users, Optional<Secret> token) {
    public StatsAdmin {
        users = List.copyOf(users);
        if (users.isEmpty() && token.isEmpty()) {
            throw new IllegalArgumentException("stats admin needs users or a token");
        }
    }

    /** A user of the admin controls; the hash, as {@code openssl passwd -6} makes it, is kept out of the logs. */
    public record User(String name, Secret hash) {
    }
}
