package dev.patroxy.proxy;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * HAProxy's {@code -p PIDFILE}: the process id, written once the listeners are bound, so that whoever reads the file
 * finds a process that serves; removed at a clean exit unless another process has written its own id there since.
 */
final class PidFile {
    private final Path path;
    private final String content = ProcessHandle.current().pid() + "\n";
    private volatile boolean written;

    private PidFile(Path path) {
        this.path = path;
    }

    /** A pid file at {@code path}; null: none, and the other methods do nothing. */
    static PidFile at(Path path) {
        return new PidFile(path);
    }

    /** Writes the file whole (a temporary beside it, then renamed); false after telling {@code err} why it could not. */
    boolean write(PrintStream err) {
        if (path == null) {
            return true;
        }
        try {
            WholeFile.write(path, content);
        } catch (IOException | RuntimeException e) {
            err.println("patroxy: cannot write the pid file " + path + ": " + e);
            return false;
        }
        written = true;
        return true;
    }

    /** Removes the file if this process wrote it and it still holds this process's id. */
    void remove() {
        if (!written) {
            return;
        }
        try {
            if (Files.readString(path, StandardCharsets.US_ASCII).equals(content)) {
                Files.delete(path);
            }
        } catch (IOException | RuntimeException e) {
            // Gone already, or replaced by something unreadable: either way not this process's to remove.
        }
    }
}
