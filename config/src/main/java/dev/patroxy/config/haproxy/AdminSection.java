package dev.patroxy.config.haproxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The runtime API lines of {@code global} as patroxy's {@code admin} section, read as HAProxy 2.6 reads them:
 * {@code stats socket} on a UNIX path ({@code admin.socket}) or a loopback TCP address ({@code admin.bind}),
 * {@code stats timeout} and {@code stats maxconn}. The level is always written, so that the imported file says
 * what each socket may do.
 */
final class AdminSection {
    /** HAProxy's level for a stats socket without {@code level}: its CLI sets ACCESS_LVL_OPER before the options. */
    private static final String HAPROXY_LEVEL = "operator";
    /** What HAProxy's server-state keywords become: patroxy keeps its own file. */
    static final String STATE_FILE = "not carried over: HAProxy's server-state file is not patroxy's; set"
            + " admin.state-file, from which patroxy restores servers' admin states (MAINT, DRAIN, weights) at start,"
            + " and which it writes after each change";
    private static final Set<String> LEVELS = Set.of("user", "operator", "admin");
    /** The options of a {@code stats socket} line that the import reads, each with one value. */
    private static final Set<String> OPTIONS_READ = Set.of("mode", "level", "user", "uid", "group", "gid",
            "expose-fd", "process", "thread");
    /** What only a UNIX socket has. */
    private static final Set<String> FILE_OPTIONS = Set.of("mode", "user", "uid", "group", "gid");
    /** HAProxy's own address families; any other {@code family@} (abns, fd, sockpair, udp) is no stream socket here. */
    private static final Set<String> TCP_FAMILIES = Set.of("ipv4", "ipv6", "tcp", "tcp4", "tcp6");
    /** HAProxy reads the mode with strtol(..., 8); patroxy keeps the permission bits. */
    private static final Pattern MODE = Pattern.compile("0*[0-7]{1,4}");
    /** patroxy's limit of {@code admin.maxconn}. */
    private static final int MOST_CONNECTIONS = 1000;
    /** The directory patroxy's systemd unit makes for the socket, owned by the patroxy user (RuntimeDirectory). */
    private static final String UNIT_DIRECTORY = "/run/patroxy";

    /** A {@code stats socket} line's options, and the notes they get once the socket is carried over. */
    private record Options(String mode, String level, String owner, String group, List<ImportNote> notes) {
    }

    private final Values values;
    private final Map<String, Integer> origins;
    private final List<ImportNote> notes;
    private Map<String, Object> socket;
    private int socketLine;
    private String bind;
    private String bindLevel;
    private int bindLine;
    private Integer maxconn;
    private String timeout;
    /** The lines of {@code stats timeout} and {@code stats maxconn}, which apply only with a socket. */
    private final List<Directive> limitLines = new ArrayList<>();

    AdminSection(Values values, Map<String, Integer> origins, List<ImportNote> notes) {
        this.values = values;
        this.origins = origins;
        this.notes = notes;
    }

    /** Takes a {@code global} line of the runtime API or of HAProxy's server-state file; false for any other line. */
    boolean global(Directive line) throws HaproxyImportException {
        switch (line.keyword()) {
            case "server-state-file", "server-state-base" -> notes.add(new ImportNote(line.line(), line.text(0, 2),
                    STATE_FILE));
            case "stats" -> {
                switch (line.word(1) == null ? "" : line.word(1)) {
                    case "socket" -> socket(line);
                    case "timeout" -> {
                        Duration idle = values.time(line, 2);
                        if (idle.isZero()) {
                            throw values.error(line, "expects a positive value");
                        }
                        timeout = Values.format(idle);
                        origins.put("admin.timeout", line.line());
                        limitLines.add(line);
                    }
                    case "maxconn" -> {
                        int n = values.integer(line, 2, 1, Integer.MAX_VALUE);
                        if (n > MOST_CONNECTIONS) {
                            notes.add(new ImportNote(line.line(), line.text(), "differs: patroxy's runtime API takes"
                                    + " at most " + MOST_CONNECTIONS + " connections at once"));
                        }
                        maxconn = Math.min(n, MOST_CONNECTIONS);
                        origins.put("admin.maxconn", line.line());
                        limitLines.add(line);
                    }
                    default -> {
                        return false;
                    }
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The {@code admin} section, or null when no {@code stats socket} is carried over. */
    Map<String, Object> yaml() {
        if (socket == null && bind == null) {
            for (Directive line : limitLines) {
                notes.add(new ImportNote(line.line(), line.text(0, 2), "not carried over: no stats socket carries"
                        + " over, and without one patroxy serves no runtime API"));
            }
            return null;
        }
        Map<String, Object> admin = new LinkedHashMap<>();
        origins.put("admin", socket != null ? socketLine : bindLine);
        if (socket != null) {
            admin.put("socket", socket);
        }
        if (bind != null) {
            admin.put("bind", bind);
            admin.put("bind-level", bindLevel);
        }
        if (maxconn != null) {
            admin.put("maxconn", maxconn);
        }
        if (timeout != null) {
            admin.put("timeout", timeout);
        }
        return admin;
    }

    private void socket(Directive line) throws HaproxyImportException {
        String address = values.word(line, 2, "an address or a path to a UNIX socket");
        String subject = line.text(0, 3);
        int family = address.indexOf('@');
        if (address.startsWith("/") || address.startsWith("unix@")) {
            unixSocket(line, address.startsWith("/") ? address : address.substring("unix@".length()), subject);
        } else if (family >= 0 && !TCP_FAMILIES.contains(address.substring(0, family))) {
            options(line, false);
            notes.add(new ImportNote(line.line(), subject, "not carried over: patroxy's runtime API listens on a"
                    + " UNIX socket's path or a loopback TCP address"));
        } else {
            tcp(line, address, subject);
        }
    }

    private void unixSocket(Directive line, String named, String subject) throws HaproxyImportException {
        Options options = options(line, true);
        if (socket != null) {
            notes.add(new ImportNote(line.line(), subject, "not carried over: patroxy's runtime API has one UNIX"
                    + " socket, that of line " + socketLine));
            return;
        }
        if (named.isEmpty()) {
            throw values.error(line, "expects a path after unix@");
        }
        String path = values.absolute(line.line(), "stats socket", line.text(2, 3), named, "makes in the directory"
                + " it is started in (/ under systemd)", notes);
        socket = new LinkedHashMap<>();
        socketLine = line.line();
        socket.put("path", Values.literal(path));
        origins.put("admin.socket", line.line());
        if (options.mode() != null) {
            socket.put("mode", options.mode());
        }
        socket.put("level", options.level());
        if (options.owner() != null) {
            socket.put("owner", Values.literal(options.owner()));
        }
        if (options.group() != null) {
            socket.put("group", Values.literal(options.group()));
        }
        String directory = path.substring(0, Math.max(1, path.lastIndexOf('/')));
        if (!directory.equals(UNIT_DIRECTORY)) {
            notes.add(new ImportNote(line.line(), subject, "differs: patroxy makes the socket as its own user"
                    + " (patroxy, under its systemd unit), which needs write access to " + directory + "; the unit"
                    + " makes " + UNIT_DIRECTORY + " for it"));
        }
        notes.addAll(options.notes());
    }

    private void tcp(Directive line, String address, String subject) throws HaproxyImportException {
        Options options = options(line, false);
        String[] addresses = address.split(",", -1);
        String first;
        Addresses.Address parsed;
        boolean several;
        try {
            parsed = Addresses.parse(addresses[0]);
            List<Integer> ports = Addresses.bindPorts(parsed, addresses[0]);
            first = parsed.with(ports.get(0));
            several = addresses.length > 1 || ports.size() > 1;
        } catch (Addresses.Unsupported e) {
            notes.add(new ImportNote(line.line(), subject, "not carried over: " + e.getMessage()));
            return;
        }
        if (!loopback(parsed.host())) {
            notes.add(new ImportNote(line.line(), subject, "not carried over: " + first + " is not a loopback"
                    + " address, and patroxy's runtime API, which asks for no password, listens on TCP on a loopback"
                    + " address only (admin.bind such as 127.0.0.1:9999), or on a UNIX socket (admin.socket)"));
            return;
        }
        if (bind != null) {
            notes.add(new ImportNote(line.line(), subject, "not carried over: patroxy's runtime API has one TCP"
                    + " address, that of line " + bindLine));
            return;
        }
        bind = first;
        bindLevel = options.level();
        bindLine = line.line();
        origins.put("admin.bind", line.line());
        origins.put("admin.bind-level", line.line());
        if (several) {
            notes.add(new ImportNote(line.line(), subject, "differs: patroxy's runtime API listens on one TCP address,"
                    + " the first: " + first));
        }
        notes.addAll(options.notes());
    }

    /** Whether patroxy's loader takes {@code host} as a loopback address; one it cannot resolve, it reports itself. */
    private static boolean loopback(String host) {
        if (host == null) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return true;
        }
    }

    /**
     * The words after the address, with the notes they get once the socket is carried over; {@code unix}: on a UNIX
     * socket, which alone has a mode, owner and group. What HAProxy refuses (a level other than its three, a mode
     * that is not octal) is an error.
     */
    private Options options(Directive line, boolean unix) throws HaproxyImportException {
        String mode = null;
        String level = HAPROXY_LEVEL;
        String owner = null;
        String group = null;
        List<ImportNote> optionNotes = new ArrayList<>();
        List<String> words = line.words();
        for (int i = 3; i < words.size(); i += 2) {
            String option = words.get(i);
            if (!OPTIONS_READ.contains(option)) {
                optionNotes.add(new ImportNote(line.line(), line.text(0, 3), "'" + line.text(i) + "': not carried"
                        + " over"));
                break;
            }
            String value = values.word(line, i + 1, switch (option) {
                case "mode" -> "permission bits in octal such as 660";
                case "level" -> "user, operator or admin";
                case "user", "group" -> "a name";
                case "expose-fd" -> "listeners";
                default -> "a number";
            });
            String written = line.text(i, i + 2);
            switch (option) {
                case "mode" -> mode = mode(line, value, written, optionNotes);
                case "level" -> {
                    if (!LEVELS.contains(value)) {
                        throw values.error(line, "level takes user, operator or admin, found '" + value + "'");
                    }
                    level = value;
                }
                case "user", "uid" -> owner = principal(line, option, value);
                case "group", "gid" -> group = principal(line, option, value);
                case "expose-fd" -> optionNotes.add(new ImportNote(line.line(), written, "not carried over: it hands"
                        + " HAProxy's listening sockets to the next HAProxy at a reload; patroxy's reload (systemctl"
                        + " reload) keeps its listening sockets itself"));
                default -> optionNotes.add(new ImportNote(line.line(), written, "not carried over: patroxy is one"
                        + " process, whose runtime API serves every listener"));
            }
            if (!unix && FILE_OPTIONS.contains(option)) {
                optionNotes.add(new ImportNote(line.line(), written, "not carried over: a TCP address has no owner or"
                        + " permission bits"));
            } else if (unix && (option.equals("user") || option.equals("uid"))) {
                optionNotes.add(new ImportNote(line.line(), written, "differs: patroxy gives the socket to this user"
                        + " itself at start, which takes CAP_CHOWN; its systemd unit runs it as user patroxy without"
                        + " it"));
            } else if (unix && (option.equals("group") || option.equals("gid"))) {
                optionNotes.add(new ImportNote(line.line(), written, "differs: patroxy gives the socket to this group"
                        + " itself at start, which its user (patroxy, under its systemd unit) may do only as a member"
                        + " of the group"));
            }
        }
        return new Options(mode, level, owner, group, optionNotes);
    }

    /** {@code "0660"} for HAProxy's {@code 660}: only the permission bits, which are all a socket's mode means. */
    private String mode(Directive line, String text, String written, List<ImportNote> optionNotes)
            throws HaproxyImportException {
        if (!MODE.matcher(text).matches()) {
            throw values.error(line, "mode expects permission bits in octal such as 660, found '" + text + "'");
        }
        int mode = Integer.parseInt(text, 8);
        String bits = String.format("0%03o", mode & 0777);
        if (mode > 0777) {
            optionNotes.add(new ImportNote(line.line(), written, "differs: written as " + bits + ": set-user-ID,"
                    + " set-group-ID and sticky mean nothing on a socket"));
        }
        return bits;
    }

    /** A user or group: a name, or with {@code uid} and {@code gid} a number, as HAProxy reads them. */
    private String principal(Directive line, String option, String value) throws HaproxyImportException {
        if (option.endsWith("id") && !value.matches("\\d{1,10}")) {
            throw values.error(line, option + " expects a number, found '" + value + "'");
        }
        return value;
    }
}
