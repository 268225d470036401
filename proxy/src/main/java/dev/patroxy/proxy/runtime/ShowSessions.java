package dev.patroxy.proxy.runtime;

import dev.patroxy.proxy.admin.SessionInfo;
import java.time.Duration;
import java.util.List;

/**
 * {@code show sess}: one line per client session, in the spirit of HAProxy's ({@code id: proto src fe be srv age}),
 * with the bytes relayed each way; the id is what {@code shutdown session} takes.
 */
final class ShowSessions {
    private ShowSessions() {
    }

    static String render(List<SessionInfo> sessions) {
        StringBuilder out = new StringBuilder();
        for (SessionInfo s : sessions) {
            out.append(s.id()).append(": proto=tcp src=").append(s.client()).append(" fe=").append(s.frontend())
                    .append(" be=").append(s.frontend()).append(" srv=")
                    .append(s.server().isEmpty() ? "<NOSRV>" : s.server())
                    .append(" age=").append(age(s.age()))
                    .append(" bytes_in=").append(s.bytesIn()).append(" bytes_out=").append(s.bytesOut()).append('\n');
        }
        return out.toString();
    }

    /** HAProxy's short human time: {@code 42s}, {@code 3m07s}, {@code 2h05m}, {@code 1d04h}. */
    static String age(Duration age) {
        long s = Math.max(0, age.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format("%dh%02dm", s / 3600, s / 60 % 60);
        }
        return String.format("%dd%02dh", s / 86400, s / 3600 % 24);
    }
}
