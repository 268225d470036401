package dev.patroxy.config.haproxy;

import java.nio.file.Path;

/**
 * Something of haproxy.cfg that patroxy does not carry over, or carries over with a difference in behaviour.
 *
 * @param line the line of haproxy.cfg it comes from
 * @param subject what it is about, as written there ({@code fastinter 1s}, {@code listen stats}); never a secret
 */
public record ImportNote(int line, String subject, String message) {
    /** {@code haproxy.cfg:12: fastinter 1s: not carried over: ...}, the way compilers point at a line. */
    public String format(Path file) {
        return file + ":" + line + ": " + subject + ": " + message;
    }
}
