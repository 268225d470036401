package dev.patroxy.config;

import java.nio.file.Path;

/**
 * A PEM file as it was when the configuration was read: its text is compared, so a reload with a renewed certificate
 * at the same path is a changed configuration. Shown by its path only (it may hold a private key).
 */
public record PemFile(Path path, Secret text) {
    @Override
    public String toString() {
        return path.toString();
    }
}
