package dev.patroxy.proxy.admin;

import dev.patroxy.stats.AdminState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers' admin states kept in a file across restarts, in the spirit of HAProxy's {@code server-state-file}:
 * a version line, a comment naming the columns, then one line a server, {@code listener server state weight
 * initial-weight}. Written whole to a file beside it and moved over it, so a crash leaves the old file or the new
 * one, never half of one. A file that is not one of these, or that does not read, is reported and left out: patroxy
 * starts with every server READY rather than not at all. Blocking I/O: call it off the event loops, and save from
 * one thread only (a single-thread executor), so that the file last moved in place holds the latest state.
 */
public final class AdminStateFile {
    private static final Logger log = LoggerFactory.getLogger(AdminStateFile.class);
    static final String VERSION_LINE = "patroxy-server-state 1";
    private static final String COLUMNS = "# listener server state weight initial-weight";

    private final Path path;

    public AdminStateFile(Path path) {
        this.path = path;
    }

    /** One server's line. */
    public record Saved(String listener, String server, AdminState state, int weight, int initialWeight) {
    }

    /** What a load found: the servers, or none and why the file was left out. */
    public record Loaded(List<Saved> servers, Optional<String> problem) {
    }

    /** Writes {@code servers}, replacing the file in one step. */
    public void save(List<Saved> servers) throws IOException {
        StringBuilder text = new StringBuilder(VERSION_LINE).append('\n').append(COLUMNS).append('\n');
        for (Saved s : servers) {
            text.append(s.listener()).append(' ').append(s.server()).append(' ').append(s.state()).append(' ')
                    .append(s.weight()).append(' ').append(s.initialWeight()).append('\n');
        }
        Path dir = path.toAbsolutePath().getParent();
        Path temporary = Files.createTempFile(dir, path.getFileName() + ".", ".new");
        try {
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(StandardCharsets.UTF_8.encode(text.toString()));
                out.force(true);
            }
            try {
                Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Reads the file; a missing one is no servers and no problem. Never throws. */
    public Loaded load() {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Loaded(List.of(), Optional.empty());
        } catch (IOException | RuntimeException e) {
            return leftOut("cannot be read: " + e);
        }
        if (lines.isEmpty() || !lines.get(0).equals(VERSION_LINE)) {
            return leftOut("is not a patroxy server state file (its first line is not '" + VERSION_LINE + "')");
        }
        List<Saved> servers = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Optional<Saved> saved = parse(line);
            if (saved.isEmpty()) {
                return leftOut("line " + (i + 1) + " is not 'listener server READY|DRAIN|MAINT weight"
                        + " initial-weight': " + line);
            }
            servers.add(saved.get());
        }
        return new Loaded(List.copyOf(servers), Optional.empty());
    }

    private static Optional<Saved> parse(String line) {
        String[] fields = line.split("\\s+");
        if (fields.length != 5) {
            return Optional.empty();
        }
        try {
            AdminState state = AdminState.valueOf(fields[2]);
            int weight = Integer.parseInt(fields[3]);
            int initial = Integer.parseInt(fields[4]);
            if (weight < 0 || weight > 256 || initial < 0 || initial > 256) {
                return Optional.empty();
            }
            return Optional.of(new Saved(fields[0], fields[1], state, weight, initial));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private Loaded leftOut(String why) {
        String problem = "server state file " + path + " " + why + "; it is left out: every server starts READY";
        log.warn(problem);
        return new Loaded(List.of(), Optional.of(problem));
    }
}
