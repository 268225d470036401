package dev.patroxy.config.haproxy;

import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HAProxy's numbers and times as the importer reads them: a value it cannot read is an error naming the line, as
 * HAProxy would refuse the file.
 */
final class Values {
    private static final Pattern TIME = Pattern.compile("(\\d+)(us|ms|s|m|h|d)?");
    private static final Map<String, Long> NANOS = Map.of("us", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L,
            "m", 60_000_000_000L, "h", 3_600_000_000_000L, "d", 86_400_000_000_000L);
    /** HAProxy's timers count milliseconds in 31 bits; it refuses longer ones, and so does patroxy. */
    static final Duration LONGEST = Duration.ofMillis(Integer.MAX_VALUE);

    private final Path file;

    Values(Path file) {
        this.file = file;
    }

    HaproxyImportException error(Directive at, String problem) {
        return new HaproxyImportException(file, at.line(), at.text(0, 2) + ": " + problem);
    }

    /** The word at {@code index}, which the keyword needs. */
    String word(Directive at, int index, String what) throws HaproxyImportException {
        String word = at.word(index);
        if (word == null || word.isEmpty()) {
            throw error(at, "expects " + what);
        }
        return word;
    }

    /** A time at {@code index}, a bare number being milliseconds (as in every HAProxy time this reads). */
    Duration time(Directive at, int index) throws HaproxyImportException {
        return time(at, word(at, index, "a time such as 4s"));
    }

    Duration time(Directive at, String text) throws HaproxyImportException {
        Matcher m = TIME.matcher(text);
        if (!m.matches()) {
            throw error(at, "expects a time such as 500ms, 4s or 30m, found '" + text + "'");
        }
        BigInteger nanos = new BigInteger(m.group(1)).multiply(BigInteger.valueOf(NANOS.get(
                m.group(2) == null ? "ms" : m.group(2))));
        if (nanos.compareTo(BigInteger.valueOf(LONGEST.toNanos())) > 0) {
            throw error(at, "'" + text + "' is longer than HAProxy's longest time, 2147483647ms");
        }
        Duration value = Duration.ofNanos(nanos.longValueExact());
        // HAProxy counts its timers in whole milliseconds, a shorter non-zero time being one.
        return value.isZero() || value.compareTo(Duration.ofMillis(1)) >= 0 ? value : Duration.ofMillis(1);
    }

    /**
     * {@code named}, what {@code keyword written} names, as an absolute path: as it is, or from haproxy.cfg's
     * directory with a note, since HAProxy finds a relative one elsewhere ({@code haproxyFindsIt}: how).
     */
    String absolute(int line, String keyword, String written, String named, String haproxyFindsIt,
            List<ImportNote> notes) throws HaproxyImportException {
        if (named.startsWith("/")) {
            return named;
        }
        String absolute;
        try {
            Path source = file.toAbsolutePath();
            Path directory = source.getParent() != null ? source.getParent() : source;
            absolute = directory.resolve(named).normalize().toString();
        } catch (InvalidPathException e) {
            throw new HaproxyImportException(file, line, keyword + ": '" + named + "' is not a file path");
        }
        notes.add(new ImportNote(line, keyword + " " + written, "differs: a relative path, which HAProxy "
                + haproxyFindsIt + "; written as " + absolute + ", from haproxy.cfg's directory: check that it is this"
                + " file"));
        return absolute;
    }

    int integer(Directive at, int index, int min, int max) throws HaproxyImportException {
        return integer(at, word(at, index, "a number"), min, max);
    }

    int integer(Directive at, String text, int min, int max) throws HaproxyImportException {
        if (!text.matches("\\d{1,18}")) {
            throw error(at, "expects a whole number, found '" + text + "'");
        }
        long value = Long.parseLong(text);
        if (value < min || value > max) {
            throw error(at, value + " is out of range " + min + ".." + max);
        }
        return (int) value;
    }

    /** Text that patroxy's loader reads as written: each {@code $} doubled, so that none starts a ${NAME}. */
    static String literal(String text) {
        return text.replace("$", "$$");
    }

    /** A duration as patroxy writes it, in the largest unit that counts it exactly: {@code 4s}, {@code 30m}. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0";
        }
        String[][] units = {{"d", "86400000"}, {"h", "3600000"}, {"m", "60000"}, {"s", "1000"}};
        for (String[] unit : units) {
            long size = Long.parseLong(unit[1]);
            if (millis % size == 0) {
                return millis / size + unit[0];
            }
        }
        return millis + "ms";
    }
}
