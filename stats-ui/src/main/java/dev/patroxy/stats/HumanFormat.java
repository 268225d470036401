package dev.patroxy.stats;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Short human-readable forms of numbers, shaped like HAProxy's stats page. */
final class HumanFormat {
    private static final String[] BINARY_UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private HumanFormat() {
    }

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 12.3 MiB}. */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, BINARY_UNITS[unit]);
    }

    /** HAProxy's compact age: {@code 59s}, {@code 3m12s}, {@code 2h05m}, {@code 3d04h}. */
    static String age(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + seconds % 60 + "s";
        }
        if (seconds < 86400) {
            return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", seconds / 86400, seconds % 86400 / 3600);
    }

    /** HAProxy's uptime line: {@code 0d 0h01m01s}. */
    static String uptime(Duration duration) {
        long seconds = duration.toSeconds();
        return String.format(Locale.ROOT, "%dd %dh%02dm%02ds",
                seconds / 86400, seconds % 86400 / 3600, seconds % 3600 / 60, seconds % 60);
    }

    /** Time from {@code from} to {@code to}, never negative (clocks may disagree by a hair). */
    static Duration elapsed(Instant from, Instant to) {
        Duration elapsed = Duration.between(from, to);
        return elapsed.isNegative() ? Duration.ZERO : elapsed;
    }
}
