package dev.patroxy.config.haproxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code defaults}, {@code listen}, {@code frontend} or {@code backend} section as HAProxy resolves it: the
 * settings of the {@code defaults} section above it, overridden by its own lines; binds and servers are its own.
 */
final class Proxy {
    /** The {@code option}s that choose how servers are checked; the last one of them in force wins. */
    static final Set<String> CHECK_TYPES = Set.of("httpchk", "tcp-check", "pgsql-check", "ssl-hello-chk",
            "mysql-check", "redis-check", "smtpchk", "ldap-check", "external-check", "spop-check");
    /** Options that patroxy has in effect anyway (keep-alive on both sides) or that change nothing it does. */
    private static final Set<String> OPTIONS_IN_EFFECT = Set.of("tcpka", "clitcpka", "srvtcpka", "dontlognull",
            "tcplog", "httplog", "log-separate-errors");

    record Server(Directive line, String name, String address, ServerParams params) {
    }

    final Section section;
    /** Settings by what they set ({@code timeout connect}, {@code balance}, {@code check-type}), last line wins. */
    private final Map<String, Directive> settings;
    /** {@code http-check send|expect|connect} rules in order; a section with rules of its own drops the inherited. */
    private final List<Directive> httpCheckRules;
    private boolean ownHttpCheckRules;
    private ServerParams defaultServer;
    final List<Directive> binds = new ArrayList<>();
    final List<Server> servers = new ArrayList<>();
    final List<Directive> stats = new ArrayList<>();
    final List<Directive> useBackends = new ArrayList<>();

    private Proxy(Section section, Map<String, Directive> settings, List<Directive> httpCheckRules,
            ServerParams defaultServer) {
        this.section = section;
        this.settings = new LinkedHashMap<>(settings);
        this.httpCheckRules = new ArrayList<>(httpCheckRules);
        this.defaultServer = defaultServer;
    }

    /** HAProxy's settings before any {@code defaults} section. */
    static Proxy builtIn() {
        return new Proxy(null, Map.of(), List.of(), ServerParams.NONE);
    }

    /** {@code section} read over the settings of {@code defaults}; what it cannot place goes to {@code notes}. */
    static Proxy read(Section section, Proxy defaults, Values values, List<ImportNote> notes)
            throws HaproxyImportException {
        Proxy proxy = new Proxy(section, defaults.settings, defaults.httpCheckRules, defaults.defaultServer);
        for (Directive line : section.lines()) {
            proxy.take(line, values, notes);
        }
        return proxy;
    }

    private void take(Directive line, Values values, List<ImportNote> notes) throws HaproxyImportException {
        String keyword = line.keyword();
        switch (keyword) {
            case "bind" -> binds.add(line);
            case "server" -> {
                String name = values.word(line, 1, "a server name");
                String address = values.word(line, 2, "an address");
                for (Server other : servers) {
                    if (other.name().equals(name)) {
                        throw values.error(line, "the name is used by the server on line " + other.line().line()
                                + " already");
                    }
                }
                servers.add(new Server(line, name, address, defaultServer.with(line, 3, notes)));
            }
            case "default-server" -> defaultServer = defaultServer.with(line, 1, notes);
            case "disabled" -> settings.put(keyword, line);
            case "mode", "balance", "retries", "maxconn", "default_backend" -> {
                values.word(line, 1, "a value");
                settings.put(keyword, line);
            }
            case "timeout" -> {
                values.word(line, 2, "a time such as 4s");
                settings.put("timeout " + line.word(1), line);
            }
            case "option" -> option(line, values, notes);
            case "no" -> {
                if ("option".equals(line.word(1)) && line.word(2) != null) {
                    String option = line.word(2);
                    if (CHECK_TYPES.contains(option)) {
                        Directive type = settings.get("check-type");
                        if (type != null && option.equals(type.word(1))) {
                            settings.remove("check-type");
                        }
                    } else {
                        settings.remove("option " + option);
                    }
                } else {
                    notes.add(new ImportNote(line.line(), line.text(), "not carried over"));
                }
            }
            case "http-check" -> {
                String rule = values.word(line, 1, "send, expect or connect");
                if (Set.of("send", "expect", "connect").contains(rule)) {
                    if (!ownHttpCheckRules) {
                        httpCheckRules.clear();
                        ownHttpCheckRules = true;
                    }
                    httpCheckRules.add(line);
                } else {
                    notes.add(new ImportNote(line.line(), line.text(), "not carried over: patroxy's check is one"
                            + " request and one expected status"));
                }
            }
            case "use_backend" -> useBackends.add(line);
            case "stats" -> stats.add(line);
            case "load-server-state-from-file", "server-state-file-name" -> notes.add(new ImportNote(line.line(),
                    line.text(0, 2), AdminSection.STATE_FILE));
            case "log", "description", "enabled" -> {
                // patroxy logs to standard output (the session lines with log: tcplog); the rest is commentary.
            }
            default -> notes.add(new ImportNote(line.line(), line.text(0, 2), "not carried over: patroxy has no"
                    + " equivalent of '" + keyword + "'" + consequence(keyword)));
        }
    }

    private void option(Directive line, Values values, List<ImportNote> notes) throws HaproxyImportException {
        String option = values.word(line, 1, "an option name");
        if (CHECK_TYPES.contains(option)) {
            settings.put("check-type", line);
        } else if (OPTIONS_IN_EFFECT.contains(option)) {
            settings.put("option " + option, line);
        } else {
            notes.add(new ImportNote(line.line(), line.text(0, 2), "not carried over: patroxy has no such option"));
        }
    }

    /** What leaving a keyword out changes, for the keywords where it matters most. */
    private static String consequence(String keyword) {
        return switch (keyword) {
            case "acl", "tcp-request" -> ", and accepts every client that reaches its bind addresses";
            case "server-template" -> ", so these servers are missing: list them one by one";
            case "source" -> ", and connects from the address the kernel picks";
            default -> "";
        };
    }

    Optional<Directive> setting(String key) {
        return Optional.ofNullable(settings.get(key));
    }

    List<Directive> httpCheckRules(String rule) {
        return httpCheckRules.stream().filter(d -> rule.equals(d.word(1))).toList();
    }

    String kind() {
        return section.kind();
    }

    String name() {
        return section.name();
    }

    int line() {
        return section.line();
    }

    boolean isStats() {
        return stats.stream().anyMatch(d -> d.word(1) != null
                && Set.of("enable", "uri", "refresh", "auth", "admin").contains(d.word(1)));
    }
}
