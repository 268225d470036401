package dev.patroxy.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes a file whole or not at all: a temporary file beside it, renamed over it, so no reader sees half of it. A
 * file it replaces keeps its permissions, owner and group (the service's user reads /etc/patroxy/patroxy.yml through
 * them); a new one is {@code rw-r--r--}.
 */
final class WholeFile {
    private static final Set<PosixFilePermission> NEW = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private WholeFile() {
    }

    static void write(Path path, String content) throws IOException {
        write(path, content, false);
    }

    /** {@code secret}: the content holds passwords, which no other user of the machine may read. */
    static void write(Path path, String content, boolean secret) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path temporary = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            takeOver(absolute, temporary, secret);
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Gives {@code temporary} the permissions, owner and group of the file it is to replace, if there is one. */
    private static void takeOver(Path replaced, Path temporary, boolean secret) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(temporary, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> permissions = EnumSet.copyOf(NEW);
        PosixFileAttributes old = Files.isRegularFile(replaced)
                ? Files.readAttributes(replaced, PosixFileAttributes.class) : null;
        if (old != null) {
            permissions = EnumSet.noneOf(PosixFilePermission.class);
            permissions.addAll(old.permissions());
        }
        if (secret) {
            permissions.removeAll(OTHERS);
        }
        view.setPermissions(permissions);
        if (old != null) {
            try {
                view.setGroup(old.group());
                view.setOwner(old.owner());
            } catch (FileSystemException e) {
                // Only root gives a file away: written by another user, it is that user's.
            }
        }
    }
}
