package dev.patroxy.config;

import java.nio.file.Path;

/** A configuration that cannot be used, with the place in the file and the key at fault. */
public final class ConfigException extends Exception {
    private final Path file;
    private final int line;
    private final String key;

    public ConfigException(Path file, int line, String key, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + (key.isEmpty() ? "" : key + ": ") + problem);
        this.file = file;
        this.line = line;
        this.key = key;
    }

    public Path file() {
        return file;
    }

    /** One-based line number, or 0 when the problem has no single line. */
    public int line() {
        return line;
    }

    /** Dotted path of the key at fault, e.g. {@code listeners[0].check.inter}. */
    public String key() {
        return key;
    }
}
