package dev.patroxy.config.haproxy;

import java.nio.file.Path;
import java.util.List;

/** An HAProxy configuration that cannot be imported, with the file and the line at fault. */
public final class HaproxyImportException extends Exception {
    private final Path file;
    private final int line;
    private final transient List<ImportNote> notes;

    HaproxyImportException(Path file, int line, String problem) {
        this(file, line, problem, null, List.of());
    }

    HaproxyImportException(Path file, int line, String problem, Throwable cause, List<ImportNote> notes) {
        super(file + ":" + line + ": " + problem, cause);
        this.file = file;
        this.line = line;
        this.notes = List.copyOf(notes);
    }

    public Path file() {
        return file;
    }

    /** One-based line number in the HAProxy file. */
    public int line() {
        return line;
    }

    /** What was found on the way that did not carry over (why each section was left out), in line order. */
    public List<ImportNote> notes() {
        return notes;
    }
}
