package dev.patroxy.proxy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.util.Map;

/** What {@code -v} and {@code -vv} print, after HAProxy's: one line, then the build and what this machine offers. */
final class VersionReport {
    private VersionReport() {
    }

    /** {@code -v}, {@code --version}: one line, so that scripts can put it in theirs. */
    static String line() {
        return "patroxy " + Version.current() + ", commit " + Version.commit() + ", Java " + Runtime.version()
                + ", Netty " + nettyVersion();
    }

    /** {@code -vv}: the line, then the Java runtime, the Netty build and the socket engines ({@code global.io}). */
    static String details() {
        return line() + "\n"
                + "Build commit: " + Version.commit() + "\n"
                + "Java: " + System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.name")
                + " " + Runtime.version() + " (" + System.getProperty("java.vm.name") + "), "
                + System.getProperty("java.home") + "\n"
                + "Running on: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " processors\n"
                + "Netty: " + nettyVersion() + "\n"
                + "Available socket engines (global.io; auto takes epoll where it loads, else nio):\n"
                + "  epoll    : " + availability(Epoll.isAvailable(), Epoll.unavailabilityCause()) + "\n"
                + "  io_uring : " + availability(IoUring.isAvailable(), IoUring.unavailabilityCause()) + "\n"
                + "  nio      : available\n";
    }

    private static String availability(boolean available, Throwable cause) {
        if (available) {
            return "available";
        }
        return "unavailable" + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
    }

    /** Netty's own record of its jars (all of one version, pinned by its BOM); netty-common's when it is there. */
    static String nettyVersion() {
        Map<String, io.netty.util.Version> jars = io.netty.util.Version.identify(VersionReport.class.getClassLoader());
        io.netty.util.Version common = jars.get("netty-common");
        if (common != null) {
            return common.artifactVersion();
        }
        return jars.values().stream().map(io.netty.util.Version::artifactVersion).findFirst().orElse("unknown");
    }
}
