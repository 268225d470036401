package dev.patroxy.config.haproxy;

import dev.patroxy.config.PatroniPaths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * haproxy.cfg's sections turned into patroxy's configuration, as nested maps and lists in patroxy's key order:
 * each {@code listen} (or {@code frontend} with its {@code default_backend}) a listener, the {@code listen} with
 * {@code stats} lines the stats page. What cannot be carried over, or is carried over with a difference, is a note
 * naming its line; a listener that patroxy would route differently in a way no setting can fix is left out, with a
 * note, rather than written.
 */
final class Translation {
    /** HAProxy's own rule for proxy and server names. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");
    /** Patroni answers 200 on these on the one node that holds the leader lock. */
    private static final Set<String> PRIMARY_PATHS = Set.of("/", "/primary", "/master", "/read-write", "/leader");
    /** Patroni's query parameters ({@code lag=16MB}, {@code tag_key=value}) in the characters they use. */
    private static final Pattern QUERY = Pattern.compile("[A-Za-z0-9_.=&%+-]*");
    private static final Set<String> CHECK_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    /** Server parameters that the translation reads itself; every other one gets a note. */
    private static final Set<String> SERVER_PARAMS_READ = Set.of("check", "port", "addr", "inter", "fall", "rise",
            "on-marked-down", "maxconn", "weight", "backup", "disabled", "enabled");
    private static final int MAXCONN_LIMIT = 10_000_000;
    private static final String SNI = "patroxy's checks send the host they connect to as the server name (none for"
            + " an IP address)";
    /** HAProxy's own defaults where they differ from patroxy's. */
    private static final Duration HAPROXY_INTER = Duration.ofSeconds(2);
    private static final int HAPROXY_RETRIES = 3;
    private static final int HAPROXY_RISE = 2;
    private static final int HAPROXY_FALL = 3;

    private final Path file;
    private final Values values;
    private final TlsMappings tlsMappings;
    private final AdminSection admin;
    private final boolean withSecrets;
    private final List<ImportNote> notes;
    private final Map<String, Object> global = new LinkedHashMap<>();
    private Map<String, Object> stats;
    private StatsUsers.Users statsUsers = new StatsUsers.Users(List.of(), List.of(), List.of());
    private final Map<String, ServerEntry> servers = new LinkedHashMap<>();
    /** The haproxy.cfg line of each key of a server's check TLS, by server name. */
    private final Map<String, Map<String, Integer>> tlsLines = new HashMap<>();
    private final List<Map<String, Object>> listeners = new ArrayList<>();
    /** The haproxy.cfg line behind each patroxy key ({@code listeners[0].bind[1]}), to place a loader error. */
    private final Map<String, Integer> origins = new HashMap<>();

    /** {@code withSecrets}: the stats users' passwords written into the YAML, rather than left to files. */
    Translation(Path file, boolean withSecrets, List<ImportNote> notes) {
        this.file = file;
        this.values = new Values(file);
        this.tlsMappings = new TlsMappings(file, values);
        this.withSecrets = withSecrets;
        this.notes = notes;
        this.admin = new AdminSection(values, origins, notes);
    }

    /** A server as patroxy lists it once for every listener that uses it; {@code tls} null for plain HTTP checks. */
    private record ServerEntry(String name, String address, int checkPort, String checkAddress, int maxconn,
            Map<String, Object> tls) {
        ServerEntry named(String other) {
            return new ServerEntry(other, address, checkPort, checkAddress, maxconn, tls);
        }

        Map<String, Object> yaml(boolean tlsInDefaults) {
            Map<String, Object> server = new LinkedHashMap<>();
            server.put("name", name);
            server.put("address", address);
            if (checkAddress != null) {
                server.put("check-address", checkAddress);
            } else {
                server.put("check-port", checkPort);
            }
            if (maxconn > 0) {
                server.put("maxconn", maxconn);
            }
            if (tls != null && !tlsInDefaults) {
                server.put("check-tls", tls);
            }
            return server;
        }
    }

    /** The check a listener's servers get; {@code ssl}: over TLS for every server (http-check connect ssl). */
    private record Check(String method, String path, int expect, Duration inter, Duration timeout, int rise,
            int fall, Integer port, String address, boolean ssl) {
    }

    /** A listener that is not imported, and the note that says why. */
    private static final class Skip extends Exception {
        private final transient ImportNote note;

        Skip(int line, String subject, String reason) {
            super(reason, null, false, false);
            this.note = new ImportNote(line, subject, "not imported: " + reason);
        }
    }

    /**
     * patroxy's configuration as nested maps, in the order of its keys, and where each key came from; {@code checked}
     * is the same with the stats users' passwords in place of the password files the operator is to create
     * ({@code passwordFiles}), to load as the configuration will once they exist.
     */
    record Result(Map<String, Object> document, Map<String, Object> checked, List<String> passwordFiles,
            Map<String, Integer> origins) {
    }

    Result translate(List<Section> sections, int lastLine) throws HaproxyImportException {
        Proxy defaults = Proxy.builtIn();
        Map<String, Proxy> namedDefaults = new HashMap<>();
        List<Proxy> fronts = new ArrayList<>();
        Map<String, Proxy> backends = new LinkedHashMap<>();
        for (Section section : sections) {
            switch (section.kind()) {
                case "global" -> global(section);
                case "defaults" -> {
                    defaults = Proxy.read(section, inherited(section, Proxy.builtIn(), namedDefaults), values, notes);
                    if (!section.name().isEmpty() && !section.name().equals("from")) {
                        namedDefaults.put(section.name(), defaults);
                    }
                }
                case "listen", "frontend", "backend" -> {
                    Proxy proxy = Proxy.read(section, inherited(section, defaults, namedDefaults), values, notes);
                    if (!section.kind().equals("frontend")) {
                        backends.put(section.name(), proxy);
                    }
                    if (!section.kind().equals("backend")) {
                        fronts.add(proxy);
                    }
                }
                default -> notes.add(new ImportNote(section.line(), section.header().text(0, 2),
                        "not imported: " + otherSection(section.kind())));
            }
        }
        Set<Proxy> used = new HashSet<>();
        Proxy statsProxy = null;
        for (Proxy front : fronts) {
            if (!front.isStats()) {
                listener(front, backends, used);
            } else if (statsProxy == null) {
                statsProxy = front;
                used.add(front);
            } else {
                notes.add(new ImportNote(front.line(), front.kind() + " " + front.name(),
                        "not imported: patroxy has one stats page, from " + statsProxy.kind() + " " + statsProxy.name()
                                + " (line " + statsProxy.line() + ")"));
                used.add(front);
            }
        }
        for (Proxy backend : backends.values()) {
            if (!used.contains(backend) && backend.kind().equals("backend")) {
                notes.add(new ImportNote(backend.line(), "backend " + backend.name(),
                        "not imported: no frontend sends sessions to it"));
            }
        }
        if (listeners.isEmpty()) {
            throw new HaproxyImportException(file, lastLine, "nothing to import: no listen or frontend section"
                    + " that patroxy can serve", null, ImportNotes.ordered(notes));
        }
        stats = statsProxy != null ? stats(statsProxy) : defaultStats();
        Map<String, Object> document = document();
        Map<String, Object> checked = new LinkedHashMap<>(document);
        if (!statsUsers.written().isEmpty()) {
            Map<String, Object> checkedStats = new LinkedHashMap<>(stats);
            checkedStats.put("auth", statsUsers.checked());
            checked.put("stats", checkedStats);
        }
        return new Result(document, checked, statsUsers.passwordFiles(), origins);
    }

    /** The defaults a section starts from: {@code from NAME} on its line, else the last defaults section. */
    private Proxy inherited(Section section, Proxy last, Map<String, Proxy> named) throws HaproxyImportException {
        Directive header = section.header();
        int from = header.words().indexOf("from");
        if (from < 0) {
            if (header.words().size() > 2) {
                notes.add(new ImportNote(section.line(), header.text(), "'" + header.text(2)
                        + "' on the section line: not carried over (give addresses with bind)"));
            }
            return last;
        }
        String name = values.word(header, from + 1, "the name of a defaults section");
        Proxy defaults = named.get(name);
        if (defaults == null) {
            throw values.error(header, "no defaults section named '" + name + "' above");
        }
        return defaults;
    }

    private static String otherSection(String kind) {
        return switch (kind) {
            case "resolvers" -> "patroxy looks server names up itself with the system's resolver (/etc/hosts, DNS),"
                    + " again every 30 s, so it needs no resolvers section";
            case "userlist" -> "patroxy has no user lists; its stats page takes its users from stats auth lines";
            case "peers" -> "patroxy keeps no stick tables to share";
            default -> "patroxy has no " + kind + " section";
        };
    }

    private void global(Section section) throws HaproxyImportException {
        origins.put("global", section.line());
        for (Directive line : section.lines()) {
            String keyword = line.keyword();
            if (tlsMappings.global(line) || admin.global(line)) {
                continue;
            }
            switch (keyword) {
                case "maxconn" -> {
                    global.put("maxconn", values.integer(line, 1, 0, MAXCONN_LIMIT));
                    origins.put("global.maxconn", line.line());
                }
                case "nbthread" -> {
                    global.put("threads", values.integer(line, 1, 1, 1024));
                    origins.put("global.threads", line.line());
                }
                case "hard-stop-after" -> {
                    Duration drain = values.time(line, 1);
                    global.put("reload-drain", drain.isZero() ? "none" : Values.format(drain));
                    origins.put("global.reload-drain", line.line());
                }
                case "log" -> notes.add(new ImportNote(line.line(), line.text(), "not carried over: patroxy logs to"
                        + " standard output (the journal, under systemd); log: tcplog on a listener logs each"
                        + " session"));
                case "stats" -> notes.add(new ImportNote(line.line(), line.text(0, 2), "not carried over"));
                case "daemon", "master-worker" -> notes.add(new ImportNote(line.line(), keyword, "not carried over:"
                        + " patroxy runs in the foreground; its systemd unit makes it a service"));
                case "user", "group", "uid", "gid", "chroot" -> notes.add(new ImportNote(line.line(), line.text(),
                        "not carried over: the systemd unit runs patroxy as its own user, sandboxed"));
                case "pidfile" -> notes.add(new ImportNote(line.line(), line.text(), "not carried over: give"
                        + " patroxy -p " + line.text(1)));
                case "ulimit-n" -> notes.add(new ImportNote(line.line(), line.text(), "not carried over: set"
                        + " LimitNOFILE= in the systemd unit"));
                default -> notes.add(new ImportNote(line.line(), line.text(0, 2), "not carried over: patroxy has no"
                        + " equivalent of '" + keyword + "'"));
            }
        }
    }

    private void listener(Proxy front, Map<String, Proxy> backends, Set<Proxy> used) throws HaproxyImportException {
        Map<String, Integer> listenerOrigins = new HashMap<>();
        List<ImportNote> listenerNotes = new ArrayList<>();
        Map<String, ServerEntry> serversBefore = new LinkedHashMap<>(servers);
        try {
            listeners.add(listenerOf(front, backends, used, listenerOrigins, listenerNotes));
            origins.putAll(listenerOrigins);
            notes.addAll(listenerNotes);
        } catch (Skip skip) {
            servers.clear();
            servers.putAll(serversBefore);
            notes.add(skip.note);
        }
    }

    private Map<String, Object> listenerOf(Proxy front, Map<String, Proxy> backends, Set<Proxy> used,
            Map<String, Integer> at, List<ImportNote> ln) throws Skip, HaproxyImportException {
        String subject = front.kind() + " " + front.name();
        String key = "listeners[" + listeners.size() + "]";
        at.put(key, front.line());
        name(front.section.header(), front.name());
        if (front.setting("disabled").isPresent()) {
            throw new Skip(front.setting("disabled").get().line(), subject, "it is disabled");
        }
        Proxy back = backendOf(front, backends, subject, ln);
        used.add(back);
        for (Proxy side : List.of(front, back)) {
            Optional<Directive> mode = side.setting("mode");
            if (mode.isPresent() && !mode.get().word(1).equals("tcp")) {
                throw new Skip(mode.get().line(), subject, "mode " + mode.get().word(1) + ": patroxy relays TCP"
                        + " sessions only");
            }
        }
        Map<String, Object> listener = new LinkedHashMap<>();
        listener.put("name", front.name());
        List<String> binds = binds(front.binds, key + ".bind", at, ln);
        if (binds.isEmpty()) {
            throw new Skip(front.line(), subject, "it has no bind address patroxy can listen on");
        }
        listener.put("bind", binds);
        List<Proxy.Server> chosen = chosenServers(back, subject, ln);
        List<Integer> bindPorts = binds.stream().map(b -> Integer.parseInt(b.substring(b.lastIndexOf(':') + 1)))
                .distinct().toList();
        boolean checked = chosen.stream().anyMatch(s -> s.params().has("check"));
        Check check = checked ? check(back, chosen, subject, ln) : null;
        String balance = check != null && PRIMARY_PATHS.contains(check.path().split("\\?", 2)[0])
                ? "primary" : "roundrobin";
        listener.put("balance", balance);
        List<String> names = new ArrayList<>();
        for (Proxy.Server server : chosen) {
            TlsMappings.Mapping tls = check != null ? tlsMappings.check(server, check.ssl(), ln) : null;
            String name = register(server, back, bindPorts, check, tls, ln);
            if (names.contains(name)) {
                ln.add(new ImportNote(server.line().line(), "server " + server.name(), "not imported: the same server"
                        + " as " + name + " above"));
            } else if (name != null) {
                names.add(name);
                at.put(key + ".servers[" + (names.size() - 1) + "]", server.line().line());
            }
            serverNotes(server, check, tls, ln);
        }
        if (names.isEmpty()) {
            throw new Skip(back.line(), subject, "none of its servers has an address patroxy can connect to");
        }
        listener.put("servers", names);
        if (check == null) {
            listener.put("check", "none");
        } else {
            listener.put("check", checkYaml(check));
            at.put(key + ".check", back.setting("check-type").map(Directive::line).orElse(back.line()));
        }
        balanceNotes(back, balance, check, chosen, subject, ln);
        Map<String, Object> timeout = timeouts(front, back, subject, ln);
        if (!timeout.isEmpty()) {
            listener.put("timeout", timeout);
        }
        listener.put("retries", retries(back, ln));
        Optional<Directive> maxconn = front.setting("maxconn");
        if (maxconn.isPresent()) {
            listener.put("maxconn", values.integer(maxconn.get(), 1, 0, MAXCONN_LIMIT));
            at.put(key + ".maxconn", maxconn.get().line());
        }
        if (check != null) {
            listener.put("on-marked-down", onMarkedDown(chosen, subject, front.line(), ln));
        }
        if (front.setting("option tcplog").isPresent()) {
            listener.put("log", "tcplog");
        }
        return listener;
    }

    /** A proxy or server name as HAProxy takes them, which patroxy's YAML carries without quoting surprises. */
    private void name(Directive at, String name) throws HaproxyImportException {
        if (!NAME.matcher(name).matches()) {
            throw values.error(at, "expects a name of letters, digits, '-', '_', '.' and ':' (as HAProxy does),"
                    + " found '" + name + "'");
        }
    }

    /** A frontend's {@code default_backend} (or lone unconditional {@code use_backend}); a listen is its own. */
    private Proxy backendOf(Proxy front, Map<String, Proxy> backends, String subject, List<ImportNote> ln)
            throws Skip, HaproxyImportException {
        Directive chosen = front.setting("default_backend").orElse(null);
        for (Directive use : front.useBackends) {
            if (use.words().size() == 2 && chosen == null) {
                chosen = use;
            } else {
                ln.add(new ImportNote(use.line(), use.text(), "not carried over: patroxy sends every session of a"
                        + " listener to its one set of servers"
                        + (chosen != null ? ", here those of backend " + chosen.word(1) : "")));
            }
        }
        if (chosen == null) {
            if (front.kind().equals("listen")) {
                return front;
            }
            throw new Skip(front.line(), subject, "it has no default_backend" + (front.useBackends.isEmpty() ? ""
                    : ", and patroxy does not route by condition (use_backend ... if)"));
        }
        String name = values.word(chosen, 1, "a backend name");
        Proxy back = backends.get(name);
        if (back == null) {
            throw values.error(chosen, "no backend or listen section named '" + name + "'");
        }
        return back;
    }

    private List<String> binds(List<Directive> lines, String key, Map<String, Integer> at, List<ImportNote> ln)
            throws HaproxyImportException {
        List<String> binds = new ArrayList<>();
        for (Directive bind : lines) {
            for (String one : values.word(bind, 1, "an address").split(",", -1)) {
                try {
                    Addresses.Address address = Addresses.parse(one);
                    for (int port : Addresses.bindPorts(address, one)) {
                        String text = address.with(port);
                        if (!binds.contains(text)) {
                            at.put(key + "[" + binds.size() + "]", bind.line());
                            binds.add(text);
                        }
                    }
                } catch (Addresses.Unsupported e) {
                    ln.add(new ImportNote(bind.line(), bind.text(0, 2), "not carried over: " + e.getMessage()));
                }
            }
            if (bind.words().size() > 2) {
                List<String> options = bind.words().subList(2, bind.words().size());
                ln.add(new ImportNote(bind.line(), bind.text(0, 2), "'" + bind.text(2) + "': not carried over"
                        + (key.startsWith("stats") && options.contains("ssl") ? "; the stats page is served over"
                                + " plain HTTP: give stats.tls its certificate" : bindOptionsConsequence(options))));
            }
        }
        return binds;
    }

    private static String bindOptionsConsequence(List<String> options) {
        if (options.contains("ssl")) {
            return "; patroxy does not end TLS itself: PostgreSQL's clients negotiate TLS with the server through it";
        }
        if (options.contains("accept-proxy")) {
            return "; patroxy does not read the PROXY protocol: clients must connect to it directly";
        }
        return "";
    }

    /** The servers patroxy routes to: without those HAProxy would not route to while a normal server is there. */
    private List<Proxy.Server> chosenServers(Proxy back, String subject, List<ImportNote> ln) throws Skip,
            HaproxyImportException {
        List<Proxy.Server> chosen = new ArrayList<>();
        for (Proxy.Server server : back.servers) {
            name(server.line(), server.name());
            String who = "server " + server.name();
            if (server.params().has("disabled")) {
                ln.add(new ImportNote(server.line().line(), who, "not imported: it is disabled (in maintenance)"));
            } else if (server.params().get("weight").isPresent() && values.integer(server.line(),
                    server.params().get("weight").get().value(), 0, 256) == 0) {
                ln.add(new ImportNote(server.params().get("weight").get().line(), who + " weight 0",
                        "not imported: HAProxy sends it no new session"));
            } else {
                chosen.add(server);
            }
        }
        List<Proxy.Server> active = chosen.stream().filter(s -> !s.params().has("backup")).toList();
        if (!active.isEmpty() && active.size() < chosen.size()) {
            for (Proxy.Server backup : chosen) {
                if (backup.params().has("backup")) {
                    ln.add(new ImportNote(backup.params().get("backup").get().line(), "server " + backup.name()
                            + " backup", "not imported: patroxy has no backup servers, and this listener's other"
                            + " servers are routed as HAProxy routes them while one of them is UP; when none is,"
                            + " patroxy holds new clients (timeout hold) where HAProxy would use this server"));
                }
            }
            chosen = new ArrayList<>(active);
        } else if (!chosen.isEmpty() && active.isEmpty()) {
            ln.add(new ImportNote(chosen.get(0).line().line(), subject + " backup servers", "differs: every"
                    + " server is a backup, and patroxy routes to all of them as to normal servers"));
        }
        if (chosen.isEmpty()) {
            throw new Skip(back.line(), subject, "it has no server that takes sessions");
        }
        return chosen;
    }

    private Check check(Proxy back, List<Proxy.Server> chosen, String subject, List<ImportNote> ln) throws Skip,
            HaproxyImportException {
        Directive type = back.setting("check-type").orElse(null);
        if (type == null || !type.word(1).equals("httpchk")) {
            throw new Skip(type == null ? back.line() : type.line(), subject, "its servers are checked by "
                    + (type == null ? "a TCP connection" : "option " + type.word(1)) + "; patroxy checks Patroni's"
                    + " REST API by HTTP only (option httpchk), and without that it cannot tell the primary"
                    + " from a replica");
        }
        List<String> unchecked = chosen.stream().filter(s -> !s.params().has("check")).map(Proxy.Server::name)
                .toList();
        if (!unchecked.isEmpty()) {
            ln.add(new ImportNote(back.line(), subject + " servers " + String.join(", ", unchecked), "differs: they"
                    + " have no 'check', so HAProxy takes them as always UP; patroxy checks every server of a"
                    + " listener the same way"));
        }
        String method = "OPTIONS";
        String uri = "/";
        List<String> args = type.words().subList(2, type.words().size());
        if (args.size() == 1) {
            uri = args.get(0);
        } else if (args.size() >= 2) {
            method = args.get(0);
            uri = args.get(1);
            if (args.size() > 2 && (args.get(2).contains("\n") || args.size() > 3)) {
                ln.add(new ImportNote(type.line(), "option httpchk", "headers not carried over: patroxy sends Host,"
                        + " User-Agent and Connection: close"));
            }
        }
        String[] sent = send(back, method, uri, subject, ln);
        method = sent[0].toUpperCase(java.util.Locale.ROOT);
        uri = sent[1];
        if (!CHECK_METHODS.contains(method)) {
            throw new Skip(type.line(), subject, "the check's method " + method + ": patroxy checks with GET, HEAD"
                    + " or OPTIONS");
        }
        String[] pathAndQuery = uri.split("\\?", 2);
        if (!uri.startsWith("/") || pathAndQuery.length == 2 && !QUERY.matcher(pathAndQuery[1]).matches()) {
            throw new Skip(type.line(), subject, "the check's URI '" + uri + "' is not a Patroni endpoint path");
        }
        Optional<String> problem = PatroniPaths.problem(method, uri);
        if (problem.isPresent()) {
            throw new Skip(type.line(), subject, "the check " + method + " " + uri + ": " + problem.get());
        }
        int expect = expect(back, subject, ln);
        Directive firstChecked = chosen.stream().filter(s -> s.params().has("check")).findFirst().orElseThrow().line();
        Optional<String> interText = sameForAll(chosen, "inter", subject, ln);
        Duration inter = interText.isPresent() ? values.time(firstChecked, interText.get()) : HAPROXY_INTER;
        if (inter.isZero()) {
            throw values.error(firstChecked, "inter must be longer than zero");
        }
        int rise = count(chosen, firstChecked, "rise", HAPROXY_RISE, subject, ln);
        int fall = count(chosen, firstChecked, "fall", HAPROXY_FALL, subject, ln);
        Duration timeout = inter;
        Optional<Directive> checkTimeout = back.setting("timeout check");
        if (checkTimeout.isPresent() && !values.time(checkTimeout.get(), 2).isZero()) {
            timeout = values.time(checkTimeout.get(), 2);
        }
        Integer port = null;
        String address = null;
        boolean ssl = false;
        for (Directive connect : back.httpCheckRules("connect")) {
            List<String> words = connect.words();
            for (int i = 2; i < words.size(); i++) {
                switch (words.get(i)) {
                    case "port" -> port = values.integer(connect, values.word(connect, ++i, "a port"), 1, 65535);
                    case "addr" -> address = values.word(connect, ++i, "an address");
                    case "ssl" -> ssl = true;
                    case "default" -> {
                    }
                    case "sni", "alpn" -> {
                        String value = values.word(connect, ++i, "a value");
                        ln.add(new ImportNote(connect.line(), "http-check connect " + words.get(i - 1) + " " + value,
                                "not carried over: " + (words.get(i - 1).equals("sni") ? SNI : checkTlsSettings())));
                    }
                    default -> {
                        ln.add(new ImportNote(connect.line(), connect.text(0, 2), "'" + connect.text(i)
                                + "': not carried over"));
                        i = words.size();
                    }
                }
            }
        }
        return new Check(method, uri, expect, inter, timeout, rise, fall, port, address, ssl);
    }

    /** The method and URI after {@code http-check send}, which overrides those of {@code option httpchk}. */
    private String[] send(Proxy back, String method, String uri, String subject, List<ImportNote> ln) throws Skip {
        List<Directive> sends = back.httpCheckRules("send");
        if (sends.isEmpty()) {
            return new String[] {method, uri};
        }
        if (sends.size() > 1) {
            ln.add(new ImportNote(sends.get(1).line(), "http-check send", "not carried over: patroxy sends one"
                    + " request a check, the first one (line " + sends.get(0).line() + ")"));
        }
        Directive send = sends.get(0);
        String[] result = {method, uri};
        List<String> words = send.words();
        for (int i = 2; i < words.size(); i++) {
            String word = words.get(i);
            String value = i + 1 < words.size() ? words.get(i + 1) : null;
            switch (word) {
                case "meth", "uri", "ver", "comment", "body" -> {
                    if (value == null) {
                        throw new Skip(send.line(), subject, "http-check send " + word + " has no value");
                    }
                    if (word.equals("meth")) {
                        result[0] = value;
                    } else if (word.equals("uri")) {
                        result[1] = value;
                    } else if (word.equals("body")) {
                        ln.add(new ImportNote(send.line(), "http-check send body", "not carried over: patroxy sends"
                                + " no body (Patroni reads none)"));
                    }
                    i++;
                }
                case "hdr" -> {
                    ln.add(new ImportNote(send.line(), "http-check send hdr " + value, "not carried over: patroxy"
                            + " sends Host, User-Agent and Connection: close"));
                    i += 2;
                }
                default -> throw new Skip(send.line(), subject, "http-check send " + word + ": not carried over");
            }
        }
        return result;
    }

    /** The one status the check expects: {@code http-check expect status 200}, 200 by default. */
    private int expect(Proxy back, String subject, List<ImportNote> ln) throws Skip, HaproxyImportException {
        List<Directive> expects = back.httpCheckRules("expect");
        if (expects.isEmpty()) {
            // HAProxy passes any 2xx or 3xx; Patroni's health endpoints answer 200 or 503 and nothing else.
            return 200;
        }
        Directive expect = expects.get(0);
        if (expects.size() > 1 || expect.words().size() != 4 || !expect.word(2).equals("status")) {
            throw new Skip(expect.line(), subject, "'" + (expects.size() > 1 ? "several http-check expect rules"
                    : expect.text()) + "': patroxy's check expects one HTTP status, as 'http-check expect status"
                    + " 200' says");
        }
        String codes = expect.word(3);
        if (codes.matches("\\d{3}")) {
            return values.integer(expect, codes, 100, 599);
        }
        for (String part : codes.split(",")) {
            String[] range = part.split("-", 2);
            if (range[0].matches("\\d{3}") && (range.length == 1 ? range[0] : range[1]).matches("\\d{3}")
                    && Integer.parseInt(range[0]) <= 200
                    && Integer.parseInt(range.length == 1 ? range[0] : range[1]) >= 200) {
                ln.add(new ImportNote(expect.line(), expect.text(), "differs: patroxy expects one status, 200"
                        + " (Patroni's health endpoints answer 200 or 503)"));
                return 200;
            }
        }
        throw new Skip(expect.line(), subject, "'" + expect.text() + "': patroxy's check expects one HTTP status,"
                + " and 200 is not among these");
    }

    /** Whether every checked server has the same value of {@code param}: empty when none sets it. */
    private Optional<String> sameForAll(List<Proxy.Server> chosen, String param, String subject,
            List<ImportNote> ln) {
        List<ServerParams.Param> set = chosen.stream().filter(s -> s.params().has("check"))
                .map(s -> s.params().get(param).orElse(null)).toList();
        List<String> distinct = set.stream().map(p -> p == null ? null : p.value()).distinct().toList();
        if (distinct.size() > 1) {
            ServerParams.Param first = set.get(0);
            ln.add(new ImportNote(first == null ? chosen.get(0).line().line() : first.line(), subject + " " + param,
                    "differs: its servers have different " + param + " values, and patroxy has one a listener:"
                            + " the first server's"));
        }
        return Optional.ofNullable(distinct.get(0));
    }

    private int count(List<Proxy.Server> chosen, Directive firstChecked, String param, int haproxyDefault,
            String subject, List<ImportNote> ln) throws HaproxyImportException {
        Optional<String> text = sameForAll(chosen, param, subject, ln);
        if (text.isEmpty()) {
            return haproxyDefault;
        }
        int count = values.integer(firstChecked, text.get(), 1, Integer.MAX_VALUE);
        if (count > 100) {
            ln.add(new ImportNote(firstChecked.line(), param + " " + count, "differs: patroxy counts at most 100"));
            return 100;
        }
        return count;
    }

    private static Map<String, Object> checkYaml(Check check) {
        Map<String, Object> yaml = new LinkedHashMap<>();
        yaml.put("method", check.method());
        yaml.put("path", check.path());
        yaml.put("expect", check.expect());
        yaml.put("inter", Values.format(check.inter()));
        yaml.put("timeout", Values.format(check.timeout()));
        yaml.put("rise", check.rise());
        yaml.put("fall", check.fall());
        return yaml;
    }

    /** Adds the server to patroxy's list (once for every listener with the same view of it); null if it cannot. */
    private String register(Proxy.Server server, Proxy back, List<Integer> bindPorts, Check check,
            TlsMappings.Mapping tls, List<ImportNote> ln) throws HaproxyImportException {
        String who = "server " + server.name();
        Addresses.Address address;
        Integer port;
        try {
            address = Addresses.parse(server.address());
            port = Addresses.serverPort(address, server.address());
        } catch (Addresses.Unsupported e) {
            ln.add(new ImportNote(server.line().line(), who, "not imported: " + e.getMessage()));
            return null;
        }
        if (address.host() == null) {
            ln.add(new ImportNote(server.line().line(), who, "not imported: '" + server.address() + "' names no host"));
            return null;
        }
        if (port == null) {
            if (bindPorts.size() != 1) {
                ln.add(new ImportNote(server.line().line(), who, "not imported: '" + server.address() + "' has no"
                        + " port, and the listener's binds have several"));
                return null;
            }
            port = bindPorts.get(0);
            ln.add(new ImportNote(server.line().line(), who, "differs: '" + server.address() + "' has no port;"
                    + " patroxy connects to " + port + ", the port clients connect to"));
        }
        ServerParams p = server.params();
        int checkPort = port;
        String checkAddress = null;
        if (check != null) {
            if (check.port() != null) {
                checkPort = check.port();
            } else if (p.get("port").isPresent()) {
                checkPort = values.integer(server.line(), p.get("port").get().value(), 1, 65535);
            }
            String checkHost = check.address() != null ? check.address()
                    : p.get("addr").map(ServerParams.Param::value).orElse(null);
            if (checkHost != null) {
                checkAddress = new Addresses.Address(checkHost, null).with(checkPort);
            }
        }
        int maxconn = p.get("maxconn").isPresent()
                ? values.integer(server.line(), p.get("maxconn").get().value(), 0, MAXCONN_LIMIT) : 0;
        ServerEntry wanted = new ServerEntry(server.name(), address.with(port), checkPort, checkAddress, maxconn,
                tls != null ? tls.yaml() : null);
        ServerEntry same = servers.get(server.name());
        if (same == null) {
            add(wanted, tls, server);
            return wanted.name();
        }
        if (same.equals(wanted) || check == null && same.address().equals(wanted.address())
                && same.maxconn() == wanted.maxconn()) {
            return same.name();
        }
        String name = server.name() + "-" + back.name();
        for (int n = 2; servers.containsKey(name) && !servers.get(name).equals(wanted.named(name)); n++) {
            name = server.name() + "-" + back.name() + "-" + n;
        }
        if (!servers.containsKey(name)) {
            add(wanted.named(name), tls, server);
        }
        ln.add(new ImportNote(server.line().line(), who, "written as server " + name + ": another server "
                + server.name() + " has a different address, check port, check TLS or maxconn"));
        return name;
    }

    private void add(ServerEntry entry, TlsMappings.Mapping tls, Proxy.Server server) {
        servers.put(entry.name(), entry);
        origins.put("servers[" + (servers.size() - 1) + "]", server.line().line());
        if (tls != null) {
            tlsLines.put(entry.name(), tls.lines());
        }
    }

    /**
     * A note for every parameter of the server that patroxy does not read; {@code tls}, the TLS of its checks (null
     * for plain HTTP).
     */
    private void serverNotes(Proxy.Server server, Check check, TlsMappings.Mapping tls, List<ImportNote> ln) {
        for (Map.Entry<String, ServerParams.Param> e : server.params().all().entrySet()) {
            String param = e.getKey();
            if (SERVER_PARAMS_READ.contains(param)) {
                continue;
            }
            String value = e.getValue().value();
            String subject = value.isEmpty() ? param : param + " " + value;
            String message = switch (param) {
                case "fastinter", "downinter" -> check != null && value.equals(Values.format(check.inter())) ? null
                        : "not carried over: patroxy checks every inter (and fast by itself after the DCS leader key"
                                + " changes)";
                case "slowstart" -> "not carried over: a server that comes UP takes its full share of new sessions"
                        + " at once";
                case "on-marked-up" -> "not carried over: patroxy has no backup servers whose sessions to end";
                case "ssl" -> "not carried over: patroxy relays the bytes as they come; PostgreSQL's clients"
                        + " negotiate TLS with the server through it";
                case "check-ssl", "verify", "ca-file", "crt", "crl-file", "check-sni", "verifyhost", "no-verifyhost",
                        "check-alpn", "ciphers", "ciphersuites", "ssl-min-ver", "ssl-max-ver" -> tls != null
                        ? checkTlsNote(param, value, tls)
                        : param.equals("check-ssl") ? null : "not carried over: patroxy speaks no TLS to the server"
                                + " (ssl), and checks its REST API over plain HTTP (no check-ssl)";
                case "sni", "alpn" -> "not carried over: patroxy speaks no TLS to the server (ssl)";
                case "resolvers", "resolve-prefer", "resolve-net", "resolve-opts", "init-addr" -> "not needed:"
                        + " patroxy looks server names up itself with the system's resolver, again every 30 s";
                case "send-proxy", "send-proxy-v2", "send-proxy-v2-ssl", "send-proxy-v2-ssl-cn" -> "not carried"
                        + " over: patroxy does not send the PROXY protocol, so the server sees patroxy's address";
                default -> "not carried over";
            };
            if (message != null) {
                ln.add(new ImportNote(e.getValue().line(), subject, message));
            }
        }
    }

    /** What patroxy does with a TLS parameter of a server whose checks it makes over TLS; null: as HAProxy does. */
    private static String checkTlsNote(String param, String value, TlsMappings.Mapping tls) {
        return switch (param) {
            case "crl-file" -> "not carried over: patroxy reads no revocation list, so a revoked certificate of the"
                    + " REST API passes";
            case "check-sni" -> "not carried over: " + SNI + (tls.verifies() ? ", and checks that the certificate names"
                    + " that host" : "");
            case "verifyhost" -> tls.verifies() ? "differs: patroxy checks that the certificate names the host it"
                    + " connects to, not " + value : null;
            case "check-alpn", "ciphers", "ciphersuites", "ssl-min-ver", "ssl-max-ver" -> "not carried over: "
                    + checkTlsSettings();
            default -> null;
        };
    }

    private static String checkTlsSettings() {
        return "patroxy's checks speak TLS 1.3 or 1.2 with the JDK's own cipher suites and ALPN (h2, http/1.1)";
    }

    private void balanceNotes(Proxy back, String balance, Check check, List<Proxy.Server> chosen, String subject,
            List<ImportNote> ln) {
        Optional<Directive> line = back.setting("balance");
        String algorithm = line.map(d -> d.word(1)).orElse("roundrobin");
        int at = line.map(Directive::line).orElse(back.line());
        if (balance.equals("primary")) {
            ln.add(new ImportNote(at, subject + " balance primary", "differs: patroxy routes the listener to one"
                    + " server at a time, and never to a node PostgreSQL reports in recovery; HAProxy spreads sessions"
                    + " over every server whose check passes (two, while two nodes answer 200)"));
            if (check.method().equals("GET")) {
                ln.add(new ImportNote(at, subject + " GET " + check.path(), "differs: patroxy also reads the role in"
                        + " Patroni's answer: a 200 whose body says replica (a promotion under way) is not routed"));
            }
            if (check.path().startsWith("/leader")) {
                ln.add(new ImportNote(at, subject + " " + check.path(), "differs: in a standby cluster /leader is"
                        + " the standby leader, which is in recovery and which patroxy's primary listener refuses;"
                        + " check /standby-leader on a standby cluster's listener"));
            }
            return;
        }
        String how = switch (algorithm) {
            case "roundrobin", "static-rr" -> null;
            case "leastconn" -> "HAProxy sends each new session to the server with the fewest";
            case "first" -> "HAProxy fills the first server up to its maxconn before it uses the next";
            case "source" -> "HAProxy keeps each client address on one server";
            default -> "HAProxy picks by " + algorithm;
        };
        if (how != null) {
            ln.add(new ImportNote(at, "balance " + algorithm, "differs: patroxy spreads new sessions over the UP"
                    + " servers in turn (roundrobin); " + how));
        }
        List<String> weights = chosen.stream().map(s -> s.params().get("weight").map(ServerParams.Param::value)
                .orElse("1")).distinct().toList();
        if (weights.size() > 1) {
            ln.add(new ImportNote(back.line(), subject + " weights " + String.join(", ", weights), "differs: patroxy"
                    + " gives every server the same share"));
        }
    }

    private Map<String, Object> timeouts(Proxy front, Proxy back, String subject, List<ImportNote> ln)
            throws HaproxyImportException {
        Map<String, Object> timeout = new LinkedHashMap<>();
        Optional<Directive> connect = back.setting("timeout connect");
        if (connect.isEmpty() || values.time(connect.get(), 2).isZero()) {
            ln.add(new ImportNote(connect.map(Directive::line).orElse(back.line()), subject + " timeout connect",
                    "differs: HAProxy has no limit here; patroxy's is 4s"));
        } else {
            timeout.put("connect", Values.format(values.time(connect.get(), 2)));
        }
        for (String side : List.of("client", "server", "client-fin", "server-fin")) {
            Optional<Directive> line = (side.startsWith("client") ? front : back).setting("timeout " + side);
            if (line.isPresent()) {
                Duration value = values.time(line.get(), 2);
                timeout.put(side, value.isZero() ? "none" : Values.format(value));
            }
        }
        Optional<Directive> queue = back.setting("timeout queue");
        if (queue.isPresent()) {
            Duration value = values.time(queue.get(), 2);
            if (value.isZero()) {
                ln.add(new ImportNote(queue.get().line(), "timeout queue 0", "differs: HAProxy has no limit here;"
                        + " patroxy's is timeout connect"));
            } else {
                timeout.put("queue", Values.format(value));
            }
        }
        for (Proxy side : front == back ? List.of(front) : List.of(front, back)) {
            side.setting("timeout tunnel").ifPresent(line -> ln.add(new ImportNote(line.line(), line.text(),
                    "not carried over: patroxy applies timeout client and server for the whole session")));
        }
        return timeout;
    }

    private int retries(Proxy back, List<ImportNote> ln) throws HaproxyImportException {
        Optional<Directive> line = back.setting("retries");
        if (line.isEmpty()) {
            return HAPROXY_RETRIES;
        }
        int retries = values.integer(line.get(), 1, 0, Integer.MAX_VALUE);
        if (retries > 100) {
            ln.add(new ImportNote(line.get().line(), line.get().text(), "differs: patroxy retries at most 100 times"));
            return 100;
        }
        return retries;
    }

    private String onMarkedDown(List<Proxy.Server> chosen, String subject, int line, List<ImportNote> ln)
            throws HaproxyImportException {
        List<ServerParams.Param> actions = chosen.stream().filter(s -> s.params().has("check"))
                .map(s -> s.params().get("on-marked-down").orElse(null)).toList();
        for (int i = 0; i < actions.size(); i++) {
            ServerParams.Param action = actions.get(i);
            if (action != null && !action.value().equals("shutdown-sessions")) {
                throw values.error(chosen.get(i).line(), "on-marked-down takes shutdown-sessions, found '"
                        + action.value() + "'");
            }
        }
        if (actions.stream().map(a -> a == null).distinct().count() > 1) {
            ln.add(new ImportNote(line, subject + " on-marked-down", "differs: only some of its servers have"
                    + " on-marked-down shutdown-sessions; patroxy closes the sessions of every server that goes"
                    + " DOWN on this listener"));
            return "shutdown-sessions";
        }
        return actions.get(0) != null ? "shutdown-sessions" : "none";
    }

    private Map<String, Object> stats(Proxy proxy) throws HaproxyImportException {
        String subject = proxy.kind() + " " + proxy.name();
        Map<String, Object> page = new LinkedHashMap<>();
        origins.put("stats", proxy.line());
        List<Directive> bindsLeft = new ArrayList<>();
        TlsMappings.Mapping pageTls = statsTls(proxy.binds, bindsLeft);
        List<String> binds = binds(bindsLeft, "stats.bind", origins, notes);
        if (binds.isEmpty()) {
            throw values.error(proxy.section.header(), "the stats page needs a bind address patroxy can listen on");
        }
        page.put("bind", binds);
        page.put("refresh", "none");
        List<Directive> authLines = new ArrayList<>();
        for (Directive line : proxy.stats) {
            String what = line.word(1) == null ? "" : line.word(1);
            switch (what) {
                case "enable" -> {
                }
                case "refresh" -> {
                    Duration refresh = values.time(line, 2);
                    long seconds = (refresh.toMillis() + 999) / 1000;
                    page.put("refresh", seconds == 0 ? "none" : seconds + "s");
                }
                case "uri" -> {
                    if (!"/".equals(line.word(2))) {
                        notes.add(new ImportNote(line.line(), line.text(), "differs: patroxy serves the page at /"
                                + " (CSV at /;csv, JSON at /;json, metrics at /metrics)"));
                    }
                }
                case "auth" -> authLines.add(line);
                case "admin" -> notes.add(new ImportNote(line.line(), "stats admin", "not carried over: patroxy's"
                        + " admin controls take their own users, crypt hashes in stats.admin.users-file (openssl passwd"
                        + " -6 makes one)"));
                default -> notes.add(new ImportNote(line.line(), line.text(0, 2), "not carried over"));
            }
        }
        Optional<Directive> maxconn = proxy.setting("maxconn");
        if (maxconn.isPresent()) {
            page.put("maxconn", values.integer(maxconn.get(), 1, 1, 10_000));
        }
        if (pageTls != null) {
            page.put("tls", pageTls.yaml());
            pageTls.lines().forEach((key, line) -> origins.put("stats.tls." + key, line));
        }
        statsUsers = StatsUsers.of(authLines, withSecrets, String.join(", ", binds), values, origins, notes);
        if (!statsUsers.written().isEmpty()) {
            page.put("auth", statsUsers.written());
        }
        if (!proxy.servers.isEmpty()) {
            notes.add(new ImportNote(proxy.servers.get(0).line().line(), subject + " servers", "not imported: the"
                    + " stats page serves itself"));
        }
        return page;
    }

    /**
     * The stats page's TLS from its binds' {@code ssl crt FILE}, or null; {@code rest} gets the bind lines without
     * those words, whose other options {@link #binds} notes. patroxy serves every stats bind with one certificate.
     */
    private TlsMappings.Mapping statsTls(List<Directive> lines, List<Directive> rest) throws HaproxyImportException {
        TlsMappings.Mapping mapping = null;
        Directive first = null;
        List<Directive> plain = new ArrayList<>();
        for (Directive bind : lines) {
            List<String> words = bind.words();
            int ssl = option(words, "ssl");
            int crt = option(words, "crt");
            if (ssl < 0 || crt < 0 || crt + 1 == words.size()) {
                rest.add(bind);
                if (ssl < 0) {
                    plain.add(bind);
                }
                continue;
            }
            String cert = words.get(crt + 1);
            List<String> left = new ArrayList<>(words);
            List<String> leftShown = new ArrayList<>(bind.shown());
            for (List<String> each : List.of(left, leftShown)) {
                each.subList(crt, crt + 2).clear();
                each.remove(ssl < crt ? ssl : ssl - 2);
            }
            rest.add(new Directive(bind.line(), left, leftShown));
            if (mapping == null) {
                mapping = tlsMappings.statsPage(new ServerParams.Param(cert, bind.line()), notes);
                first = bind;
            } else if (!cert.equals(first.words().get(option(first.words(), "crt") + 1))) {
                notes.add(new ImportNote(bind.line(), "crt " + cert, "differs: patroxy serves its stats page with one"
                        + " certificate, that of line " + first.line()));
            }
        }
        if (mapping != null) {
            for (Directive bind : plain) {
                notes.add(new ImportNote(bind.line(), bind.text(0, 2), "differs: patroxy serves every stats bind over"
                        + " HTTPS (stats.tls), this one too"));
            }
        }
        return mapping;
    }

    /** Where a bind option is among the words after the address, or -1. */
    private static int option(List<String> words, String option) {
        int at = words.subList(Math.min(2, words.size()), words.size()).indexOf(option);
        return at < 0 ? -1 : at + 2;
    }

    /** patroxy needs a stats page; without one in haproxy.cfg, it goes on the loopback, on a port left free. */
    private Map<String, Object> defaultStats() {
        Set<String> taken = new HashSet<>();
        for (Map<String, Object> listener : listeners) {
            for (Object bind : (List<?>) listener.get("bind")) {
                String text = bind.toString();
                taken.add(text.substring(text.lastIndexOf(':') + 1));
            }
        }
        int port = 7000;
        while (taken.contains(Integer.toString(port))) {
            port++;
        }
        String bind = "127.0.0.1:" + port;
        notes.add(new ImportNote(1, "listen stats", "none in the file: patroxy needs a stats page, written on "
                + bind + " (loopback only)"));
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("bind", List.of(bind));
        return page;
    }

    /**
     * The whole configuration, with what every listener shares moved to {@code defaults}, and the check TLS there
     * too when every server has the same.
     */
    private Map<String, Object> document() {
        Map<String, Object> document = new LinkedHashMap<>();
        if (!global.isEmpty()) {
            document.put("global", global);
        }
        document.put("stats", stats);
        Map<String, Object> adminSection = admin.yaml();
        if (adminSection != null) {
            document.put("admin", adminSection);
        }
        Map<String, Object> defaults = SharedSettings.factorOut(listeners);
        List<ServerEntry> entries = List.copyOf(servers.values());
        Map<String, Object> sharedTls = entries.get(0).tls();
        boolean tlsInDefaults = sharedTls != null && entries.stream().allMatch(e -> sharedTls.equals(e.tls()));
        if (tlsInDefaults) {
            @SuppressWarnings("unchecked")
            Map<String, Object> check = (Map<String, Object>) defaults.computeIfAbsent("check",
                    k -> new LinkedHashMap<String, Object>());
            check.put("tls", sharedTls);
            tlsLines.get(entries.get(0).name()).forEach((key, line) -> origins.put("defaults.check.tls." + key, line));
        } else {
            for (int i = 0; i < entries.size(); i++) {
                String at = "servers[" + i + "].check-tls.";
                tlsLines.getOrDefault(entries.get(i).name(), Map.of()).forEach((key, line) -> origins.put(at + key,
                        line));
            }
        }
        if (!defaults.isEmpty()) {
            document.put("defaults", defaults);
        }
        List<Map<String, Object>> serverList = entries.stream().map(e -> e.yaml(tlsInDefaults)).toList();
        document.put("servers", serverList);
        for (Map<String, Object> listener : listeners) {
            if (listener.get("servers").equals(List.copyOf(servers.keySet()))) {
                listener.remove("servers");
            }
        }
        document.put("listeners", listeners);
        return document;
    }
}
