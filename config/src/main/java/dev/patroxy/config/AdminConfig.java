package dev.patroxy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The runtime API (HAProxy's {@code stats socket}): where operators reach it and what one of them may cost.
 *
 * @param socket the UNIX stream socket, or none
 * @param bind a TCP address on a loopback interface, or none
 * @param bindLevel what a connection to {@code bind} may do: {@code operator} unless given, since every local user
 *     reaches a TCP port
 * @param limits what the runtime API's clients may cost
 * @param stateFile where servers' admin states are kept across restarts (HAProxy's {@code server-state-file}), or
 *     none
 */
public record AdminConfig(Optional<Socket> socket, Optional<BindAddress> bind, AdminLevel bindLevel, Limits limits,
        Optional<Path> stateFile) {
    public static final AdminLevel DEFAULT_BIND_LEVEL = AdminLevel.OPERATOR;
    /** No runtime API: the configuration without an {@code admin} section. */
    public static final AdminConfig NONE = new AdminConfig(Optional.empty(), Optional.empty(), DEFAULT_BIND_LEVEL,
            Limits.DEFAULTS, Optional.empty());

    /** Whether anything is to be bound. */
    public boolean serves() {
        return socket.isPresent() || bind.isPresent();
    }

    /**
     * A UNIX socket and who may open it.
     *
     * @param path absolute, at most {@link #MAX_PATH_BYTES} bytes
     * @param mode the file's permission bits, {@code 0600} unless given
     * @param owner the user the file is given to, or the process's own
     * @param group the group the file is given to, or the process's own
     * @param level what a connection may do: {@code operator} unless given, as in HAProxy 2.6 ({@code level admin}
     *     to change anything)
     */
    public record Socket(Path path, int mode, Optional<String> owner, Optional<String> group, AdminLevel level) {
        /** Linux's {@code sun_path} holds 108 bytes with the terminating NUL. */
        public static final int MAX_PATH_BYTES = 107;
        public static final int DEFAULT_MODE = 0600;
        public static final AdminLevel DEFAULT_LEVEL = AdminLevel.OPERATOR;
    }

    /**
     * @param maxconn runtime API connections open at once; one more is told so and closed
     * @param maxLineLength bytes of one command line; a longer line is answered with an error and the connection
     *     is closed, as HAProxy closes it
     * @param timeout a connection that neither sends a command nor takes any of its answer for this long is closed
     *     (HAProxy's {@code timeout cli}; {@code set timeout cli} changes it for one connection)
     */
    public record Limits(int maxconn, int maxLineLength, Duration timeout) {
        /** HAProxy's: {@code stats maxconn} 10, {@code tune.bufsize} 16384, {@code stats timeout} 10s. */
        public static final Limits DEFAULTS = new Limits(10, 16384, Duration.ofSeconds(10));
    }
}
