package dev.patroxy.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version and the commit Maven stamped into the jar ("unknown" when built without git, from a tarball). */
final class Version {
    private Version() {
    }

    static String current() {
        return stamped("version");
    }

    static String commit() {
        return stamped("commit");
    }

    private static String stamped(String key) {
        try (InputStream in = Version.class.getResourceAsStream("/patroxy-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key, "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
