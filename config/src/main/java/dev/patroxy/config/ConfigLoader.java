package dev.patroxy.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a patroxy YAML file into a validated {@link PatroxyConfig}. Any problem is a {@link ConfigException}
 * naming the file, line and key; nothing is applied from a file that has one.
 */
public final class ConfigLoader {
    private static final Set<String> TOP_KEYS = Set.of("global", "stats", "defaults", "servers", "listeners", "dcs",
            "admin");
    private static final Set<String> GLOBAL_KEYS = Set.of("maxconn", "io", "threads", "buffers", "reload-drain",
            "keepalive", "maxconn-startup");
    private static final Set<String> KEEPALIVE_KEYS = Set.of("idle", "interval", "count");
    private static final Set<String> STATS_KEYS = Set.of("bind", "refresh", "maxconn", "max-request-line",
            "max-header-size", "max-headers", "timeout", "tls", "auth", "admin");
    private static final Set<String> STATS_TIMEOUT_KEYS = Set.of("http-request", "http-keep-alive", "client");
    /** Far above what a stats page needs; a stats connection is one open file, and the limit here is 20,000. */
    private static final int STATS_MAXCONN_LIMIT = 10_000;
    private static final Set<String> DEFAULTS_KEYS = Set.of(
            "timeout", "retries", "maxconn", "on-marked-down", "log", "check", "release-rate");
    private static final Set<String> TIMEOUT_KEYS = Set.of(
            "connect", "client", "server", "queue", "client-fin", "server-fin", "hold", "client-startup",
            "client-hello");
    /** {@code tls} and {@code auth} only under {@code defaults}: they belong to the servers' APIs, not a listener. */
    private static final Set<String> CHECK_KEYS = Set.of(
            "method", "path", "expect", "inter", "timeout", "rise", "fall", "tls", "auth");
    private static final Set<String> SERVER_KEYS = Set.of(
            "name", "address", "check-port", "check-address", "maxconn", "member", "check-tls", "check-auth");
    private static final Set<String> LISTENER_KEYS = Set.of(
            "name", "bind", "balance", "servers", "timeout", "retries", "maxconn", "on-marked-down", "log", "check",
            "release-rate");
    private static final Set<String> DCS_KEYS = Set.of(
            "type", "hosts", "scope", "namespace", "timeout", "watch-timeout", "revalidate", "switchover-pause", "tls",
            "auth");
    private static final Set<String> ADMIN_KEYS = Set.of(
            "socket", "bind", "bind-level", "maxconn", "max-line-length", "timeout", "state-file");
    private static final Set<String> ADMIN_SOCKET_KEYS = Set.of("path", "mode", "owner", "group", "level");
    /** Permission bits only: set-user-ID, set-group-ID and sticky mean nothing on a socket. */
    private static final Pattern FILE_MODE = Pattern.compile("0?[0-7]{3}");
    /** Each runtime API connection is one open file and a little memory; far above what operators open. */
    private static final int ADMIN_MAXCONN_LIMIT = 1000;
    private static final Map<String, DcsType> DCS_TYPES = Map.of(
            DcsType.ETCD_V2.configName(), DcsType.ETCD_V2, DcsType.ETCD_V3.configName(), DcsType.ETCD_V3);
    private static final Map<String, Boolean> LOG_FORMATS = Map.of("tcplog", true, "none", false);
    /**
     * More sessions than one Linux process can hold by default (fs.nr_open = 1048576 descriptors, two a
     * session) tenfold, and small enough that sums over listeners stay far from int overflow.
     */
    private static final int MAXCONN_LIMIT = 10_000_000;
    /** Linux's MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL (include/net/tcp.h): setsockopt answers EINVAL above. */
    private static final Duration KEEPALIVE_LONGEST = Duration.ofSeconds(32767);
    /** Linux's MAX_TCP_KEEPCNT. */
    private static final int KEEPALIVE_COUNT_LIMIT = 127;
    private static final int MAX_BYTES = 1 << 20;
    private static final int MAX_NESTING = 16;
    private static final int MAX_ALIASES = 20;
    private static final int THREADS_LIMIT = 1024;
    private static final Map<String, GlobalConfig.IoEngine> IO_ENGINES = Arrays.stream(GlobalConfig.IoEngine.values())
            .collect(Collectors.toMap(GlobalConfig.IoEngine::configName, e -> e));
    private static final Map<String, GlobalConfig.BufferAllocator> ALLOCATORS =
            Arrays.stream(GlobalConfig.BufferAllocator.values())
                    .collect(Collectors.toMap(GlobalConfig.BufferAllocator::configName, a -> a));
    private static final Map<String, Balance> BALANCES = Map.of(
            "primary", Balance.PRIMARY, "roundrobin", Balance.ROUNDROBIN);
    private static final Map<String, Boolean> ON_MARKED_DOWN = Map.of(
            "shutdown-sessions", true, "none", false);
    private static final Map<String, String> CHECK_METHODS = Map.of(
            "GET", "GET", "HEAD", "HEAD", "OPTIONS", "OPTIONS");

    private ConfigLoader() {
    }

    /**
     * Every key a file may hold, as the README's configuration reference names it: {@code global.maxconn},
     * {@code servers[].address}; the keys a listener shares with {@code defaults} bare ({@code maxconn},
     * {@code timeout.connect}, {@code check.path}); a mapping of a few fixed keys ({@code global.keepalive}) by its
     * own name.
     */
    static SortedSet<String> referenceKeys() {
        SortedSet<String> keys = new TreeSet<>();
        GLOBAL_KEYS.forEach(k -> keys.add("global." + k));
        STATS_KEYS.stream().filter(k -> !k.equals("timeout") && !k.equals("admin"))
                .forEach(k -> keys.add("stats." + k));
        STATS_TIMEOUT_KEYS.forEach(k -> keys.add("stats.timeout." + k));
        StatsAdminFiles.KEYS.forEach(k -> keys.add("stats.admin." + k));
        SERVER_KEYS.forEach(k -> keys.add("servers[]." + k));
        LISTENER_KEYS.stream().filter(k -> !DEFAULTS_KEYS.contains(k)).forEach(k -> keys.add("listeners[]." + k));
        DEFAULTS_KEYS.stream().filter(k -> !k.equals("timeout") && !k.equals("check")).forEach(keys::add);
        TIMEOUT_KEYS.forEach(k -> keys.add("timeout." + k));
        CHECK_KEYS.forEach(k -> keys.add("check." + k));
        DCS_KEYS.forEach(k -> keys.add("dcs." + k));
        ADMIN_KEYS.stream().filter(k -> !k.equals("socket")).forEach(k -> keys.add("admin." + k));
        ADMIN_SOCKET_KEYS.forEach(k -> keys.add("admin.socket." + k));
        return keys;
    }

    /**
     * Reads and parses {@code file} with this process's environment for {@code ${NAME}}; a file that cannot be read is
     * a ConfigException naming it, as a bad value is.
     */
    public static PatroxyConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    /** Reads and parses {@code file}, {@code ${NAME}} in its values standing for {@code env}'s NAME. */
    public static PatroxyConfig load(Path file, Map<String, String> env) throws ConfigException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file, 0, "", "cannot read the file: it does not exist");
        } catch (AccessDeniedException e) {
            throw new ConfigException(file, 0, "", "cannot read the file: permission denied");
        } catch (IOException e) {
            throw new ConfigException(file, 0, "", "cannot read the file: " + e.getMessage());
        }
        return parse(file, bytes, env);
    }

    /**
     * Parses {@code bytes}, UTF-8, as if read from {@code file} (the name used in error messages), in an empty
     * environment. Whatever the bytes, the answer is a configuration or a ConfigException: this is the entry point
     * to fuzz.
     */
    public static PatroxyConfig parse(Path file, byte[] bytes) throws ConfigException {
        return parse(file, bytes, Map.of());
    }

    /** Parses {@code bytes} as {@link #parse(Path, byte[])}, {@code ${NAME}} standing for {@code env}'s NAME. */
    public static PatroxyConfig parse(Path file, byte[] bytes, Map<String, String> env) throws ConfigException {
        if (bytes.length > MAX_BYTES) {
            throw new ConfigException(file, 0, "", "larger than " + MAX_BYTES + " bytes: not a patroxy configuration");
        }
        return parse(file, utf8(file, bytes), env);
    }

    /** Parses {@code text} as if read from {@code file} (the name used in error messages), in an empty environment. */
    public static PatroxyConfig parse(Path file, String text) throws ConfigException {
        return parse(file, text, Map.of());
    }

    /** Parses {@code text} as if read from {@code file}, {@code ${NAME}} in its values standing for {@code env}'s NAME. */
    public static PatroxyConfig parse(Path file, String text, Map<String, String> env) throws ConfigException {
        Node root;
        try (Reader reader = new StringReader(text)) {
            root = new Yaml(new SafeConstructor(loaderOptions())).compose(reader);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(file, line, "", "not valid YAML: " + e.getProblem());
        } catch (RuntimeException | IOException e) {
            // YAMLException and whatever else SnakeYAML throws on input it cannot read: still only a bad file.
            throw new ConfigException(file, 0, "", "not valid YAML: " + e.getMessage());
        }
        if (root == null) {
            throw new ConfigException(file, 0, "", "the file is empty");
        }
        return new ConfigLoader.Reading(file).config(new ConfigNode(file, "", root, env));
    }

    /** Limits far above any real configuration, so that a hostile or mistaken file costs little to refuse. */
    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_BYTES);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setAllowRecursiveKeys(false);
        return options;
    }

    private static String utf8(Path file, byte[] bytes) throws ConfigException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new ConfigException(file, line, "", String.format(
                    "not UTF-8 text: byte 0x%02x at offset %d", bytes[at] & 0xff, at));
        }
        return out.flip().toString();
    }

    /** The state of reading one file: the defaults in force and the names seen so far. */
    private static final class Reading {
        private final Path file;
        private final List<Bound> bindsSeen = new ArrayList<>();

        Reading(Path file) {
            this.file = file;
        }

        PatroxyConfig config(ConfigNode root) throws ConfigException {
            Map<String, ConfigNode> top = root.mapping(TOP_KEYS);
            GlobalConfig global = root.optional(top, "global", this::global).orElse(GlobalConfig.DEFAULTS);
            StatsConfig stats = root.required(top, "stats", this::stats);
            ListenerDefaults defaults = root.optional(top, "defaults", this::defaults)
                    .orElseGet(ListenerDefaults::builtIn);
            ApiAccess checkAccess = root.optional(top, "defaults", Reading::defaultCheckAccess).orElse(ApiAccess.PLAIN);
            Map<String, ServerConfig> servers = root.required(top, "servers", n -> servers(n, checkAccess));
            List<ListenerConfig> listeners = new ArrayList<>();
            Set<String> listenerNames = new HashSet<>();
            List<ConfigNode> listenerNodes = root.required(top, "listeners", ConfigNode::sequence);
            if (listenerNodes.isEmpty()) {
                throw top.get("listeners").error("needs at least one listener");
            }
            for (ConfigNode node : listenerNodes) {
                ListenerConfig listener = listener(node, defaults, servers);
                if (!listenerNames.add(listener.name())) {
                    throw node.error("listener name '" + listener.name() + "' is used twice");
                }
                listeners.add(listener);
            }
            Optional<DcsConfig> dcs = root.optional(top, "dcs", Reading::dcs);
            AdminConfig admin = root.optional(top, "admin", this::admin).orElse(AdminConfig.NONE);
            return new PatroxyConfig(file, global, stats, List.copyOf(servers.values()), listeners, dcs, admin);
        }

        /** Read after every other bind, so that a TCP bind overlapping one of them names it. */
        private AdminConfig admin(ConfigNode node) throws ConfigException {
            Map<String, ConfigNode> keys = node.mapping(ADMIN_KEYS);
            AdminConfig.Limits d = AdminConfig.Limits.DEFAULTS;
            return new AdminConfig(
                    node.optional(keys, "socket", Reading::adminSocket),
                    node.optional(keys, "bind", this::adminBind),
                    node.optional(keys, "bind-level", Reading::adminLevel).orElse(AdminConfig.DEFAULT_BIND_LEVEL),
                    new AdminConfig.Limits(
                            node.optional(keys, "maxconn", n -> n.integer(1, ADMIN_MAXCONN_LIMIT)).orElse(d.maxconn()),
                            node.optional(keys, "max-line-length", n -> n.integer(64, 1_048_576))
                                    .orElse(d.maxLineLength()),
                            node.optional(keys, "timeout", ConfigNode::duration).orElse(d.timeout())),
                    node.optional(keys, "state-file", Reading::stateFile));
        }

        private static AdminConfig.Socket adminSocket(ConfigNode node) throws ConfigException {
            Map<String, ConfigNode> keys = node.mapping(ADMIN_SOCKET_KEYS);
            ConfigNode pathNode = keys.get("path");
            Path path = node.required(keys, "path", ConfigNode::path);
            int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > AdminConfig.Socket.MAX_PATH_BYTES) {
                throw pathNode.error(path + " is " + bytes + " bytes long; a UNIX socket's path holds at most "
                        + AdminConfig.Socket.MAX_PATH_BYTES);
            }
            inExistingDirectory(pathNode, path);
            if (Files.isDirectory(path)) {
                throw pathNode.error(path + " is a directory");
            }
            int mode = node.optional(keys, "mode", n -> {
                String text = n.string();
                if (!FILE_MODE.matcher(text).matches()) {
                    throw n.error("expected permission bits in octal such as 0600 or 0660, found '" + text + "'");
                }
                return Integer.parseInt(text, 8);
            }).orElse(AdminConfig.Socket.DEFAULT_MODE);
            return new AdminConfig.Socket(path, mode,
                    node.optional(keys, "owner", n -> principal(n, false)),
                    node.optional(keys, "group", n -> principal(n, true)),
                    node.optional(keys, "level", Reading::adminLevel).orElse(AdminConfig.Socket.DEFAULT_LEVEL));
        }

        private static AdminLevel adminLevel(ConfigNode node) throws ConfigException {
            String text = node.string();
            for (AdminLevel level : AdminLevel.values()) {
                if (level.configName().equals(text)) {
                    return level;
                }
            }
            throw node.error("expected user, operator or admin, found '" + text + "'");
        }

        /** A user or group name (or number) this machine knows, looked up now as applying it will. */
        private static String principal(ConfigNode node, boolean group) throws ConfigException {
            String name = node.string();
            UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
            try {
                if (group) {
                    users.lookupPrincipalByGroupName(name);
                } else {
                    users.lookupPrincipalByName(name);
                }
            } catch (UserPrincipalNotFoundException e) {
                throw node.error("no " + (group ? "group" : "user") + " '" + name + "' on this machine");
            } catch (IOException | RuntimeException e) {
                // Whatever the lookup makes of a strange name (a NUL byte, say), it is this key's error.
                throw node.error("cannot look up " + (group ? "group" : "user") + " '" + name + "': " + e.getMessage());
            }
            return name;
        }

        private static Path stateFile(ConfigNode node) throws ConfigException {
            Path path = node.path();
            inExistingDirectory(node, path);
            if (Files.exists(path) && !Files.isRegularFile(path)) {
                throw node.error(path + " is not a regular file");
            }
            return path;
        }

        private static void inExistingDirectory(ConfigNode node, Path path) throws ConfigException {
            Path parent = path.getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw node.error("the directory " + parent + " does not exist");
            }
        }

        /**
         * The runtime API has no authentication: whoever reaches a TCP bind may drain every server, so it is only
         * taken on a loopback address.
         */
        private BindAddress adminBind(ConfigNode node) throws ConfigException {
            BindAddress bind = node.endpoint(true);
            InetAddress address = resolve(node, bind);
            if (address == null || !address.isLoopbackAddress()) {
                throw node.error(bind + " is not a loopback address: the runtime API asks for no password, so it is"
                        + " only bound to one such as 127.0.0.1 or [::1] (use admin.socket for more control)");
            }
            checkOverlaps(node, new Bound(bind, address, node));
            return bind;
        }

        /** {@code defaults.check.tls} and {@code defaults.check.auth}: how every server's REST API is reached. */
        private static ApiAccess defaultCheckAccess(ConfigNode defaults) throws ConfigException {
            ConfigNode check = defaults.mapping(DEFAULTS_KEYS).get("check");
            if (check == null) {
                return ApiAccess.PLAIN;
            }
            Map<String, ConfigNode> keys = check.mapping(CHECK_KEYS);
            return new ApiAccess(
                    check.optional(keys, "tls", AccessSettings::tlsClientOrNone).flatMap(t -> t),
                    check.optional(keys, "auth", AccessSettings::authOrNone).flatMap(a -> a));
        }

        private static DcsConfig dcs(ConfigNode node) throws ConfigException {
            Map<String, ConfigNode> keys = node.mapping(DCS_KEYS);
            DcsType type = node.required(keys, "type", n -> n.choice(DCS_TYPES,
                    v -> "unknown DCS type '" + v + "'; expected etcd (Patroni's etcd: section) or etcd3"));
            List<HostPort> hosts = node.required(keys, "hosts", Reading::dcsHosts);
            String scope = node.required(keys, "scope", ConfigNode::string);
            if (scope.contains("/")) {
                throw keys.get("scope").error("expected Patroni's scope (the cluster name), found '" + scope + "'");
            }
            String namespace = node.optional(keys, "namespace", ConfigNode::string).orElse("/service");
            Duration timeout = node.optional(keys, "timeout", ConfigNode::duration).orElse(Duration.ofSeconds(1));
            Duration watchTimeout = node.optional(keys, "watch-timeout", ConfigNode::duration)
                    .orElse(Duration.ofSeconds(10));
            Duration revalidate = node.optional(keys, "revalidate", ConfigNode::duration).orElse(Duration.ofSeconds(10));
            // A switchover takes Patroni a second or two (a checkpoint, a fast shutdown, a promotion); half the
            // default timeout hold, so that a client held from the start of a pause Patroni never ends still goes
            // to the leader before its own hold runs out.
            Duration switchoverPause = node.optional(keys, "switchover-pause", ConfigLoader::durationOrNone)
                    .orElse(Duration.ofSeconds(15));
            ApiAccess access = new ApiAccess(
                    node.optional(keys, "tls", AccessSettings::tlsClientOrNone).flatMap(t -> t),
                    node.optional(keys, "auth", AccessSettings::authOrNone).flatMap(a -> a));
            return new DcsConfig(type, hosts, scope, canonicalNamespace(namespace), timeout, watchTimeout,
                    revalidate, switchoverPause, access);
        }

        private static List<HostPort> dcsHosts(ConfigNode node) throws ConfigException {
            List<HostPort> hosts = new ArrayList<>();
            List<ConfigNode> items = node.sequenceOrScalar();
            if (items.isEmpty()) {
                throw node.error("needs at least one host:port");
            }
            for (ConfigNode item : items) {
                BindAddress address = item.endpoint(false);
                HostPort host = new HostPort(address.host(), address.port());
                if (hosts.contains(host)) {
                    throw item.error(host + " is listed twice");
                }
                hosts.add(host);
            }
            return hosts;
        }

        /** Patroni joins namespace and scope with single slashes whatever slashes the namespace has. */
        private static String canonicalNamespace(String namespace) {
            String trimmed = namespace.replaceAll("/+", "/").replaceAll("^/|/$", "");
            return trimmed.isEmpty() ? "" : "/" + trimmed;
        }

        private GlobalConfig global(ConfigNode node) throws ConfigException {
            Map<String, ConfigNode> keys = node.mapping(GLOBAL_KEYS);
            GlobalConfig d = GlobalConfig.DEFAULTS;
            int maxconn = node.optional(keys, "maxconn", n -> n.integer(0, MAXCONN_LIMIT)).orElse(d.maxconn());
            return new GlobalConfig(
                    maxconn,
                    node.optional(keys, "io", n -> n.choice(IO_ENGINES,
                            v -> "unknown io '" + v + "'; expected auto, epoll, io_uring or nio")).orElse(d.io()),
                    node.optional(keys, "threads", n -> n.integer(0, THREADS_LIMIT)).orElse(d.threads()),
                    node.optional(keys, "buffers", n -> n.choice(ALLOCATORS,
                            v -> "unknown buffers '" + v + "'; expected adaptive or pooled")).orElse(d.buffers()),
                    node.optional(keys, "reload-drain",
                            n -> n.isScalar("none") ? Optional.<Duration>empty() : Optional.of(n.duration()))
                            .orElse(d.reloadDrain()),
                    node.optional(keys, "keepalive", this::keepalive).orElse(d.keepalive()),
                    node.optional(keys, "maxconn-startup", n -> n.integer(0, MAXCONN_LIMIT))
                            .orElse(GlobalConfig.defaultMaxconnStartup(maxconn)));
        }

        private GlobalConfig.Keepalive keepalive(ConfigNode node) throws ConfigException {
            Map<String, ConfigNode> keys = node.mapping(KEEPALIVE_KEYS);
            GlobalConfig.Keepalive d = GlobalConfig.Keepalive.DEFAULTS;
            return new GlobalConfig.Keepalive(
                    node.optional(keys, "idle", Reading::keepaliveTiming).orElse(d.idle()),
                    node.optional(keys, "interval", Reading::keepaliveTiming).orElse(d.interval()),
                    node.optional(keys, "count", n -> n.integer(1, KEEPALIVE_COUNT_LIMIT)).orElse(d.count()));
        }

        /** The kernel counts keep-alive timings in whole seconds. */
        private static Duration keepaliveTiming(ConfigNode node) throws ConfigException {
            return node.duration(ConfigNode.SECOND, KEEPALIVE_LONGEST);
        }

        private StatsConfig stats(ConfigNode node) throws ConfigException {
            Map<String, ConfigNode> keys = node.mapping(STATS_KEYS);
            List<BindAddress> binds = node.required(keys, "bind", this::binds);
            // 0 or none: no automatic refresh, as HAProxy's stats refresh 0; the page reloads in whole seconds.
            Duration refresh = node.optional(keys, "refresh", n -> n.isScalar("none") ? Duration.ZERO
                    : n.durationOrZero(ConfigNode.SECOND, ConfigNode.LONGEST)).orElse(Duration.ofSeconds(5));
            return new StatsConfig(binds, refresh, statsLimits(node, keys),
                    node.optional(keys, "tls", AccessSettings::tlsServerOrNone).flatMap(t -> t),
                    node.optional(keys, "auth", AccessSettings::users).orElse(List.of()),
                    node.optional(keys, "admin", StatsAdminFiles::adminOrNone).flatMap(a -> a));
        }

        private StatsConfig.Limits statsLimits(ConfigNode node, Map<String, ConfigNode> keys) throws ConfigException {
            StatsConfig.Limits d = StatsConfig.Limits.DEFAULTS;
            Map<String, ConfigNode> timeouts = keys.containsKey("timeout")
                    ? keys.get("timeout").mapping(STATS_TIMEOUT_KEYS)
                    : Map.of();
            return new StatsConfig.Limits(
                    node.optional(keys, "maxconn", n -> n.integer(1, STATS_MAXCONN_LIMIT)).orElse(d.maxconn()),
                    node.optional(keys, "max-request-line", n -> n.integer(64, 65_536)).orElse(d.maxRequestLine()),
                    node.optional(keys, "max-header-size", n -> n.integer(64, 1_048_576)).orElse(d.maxHeaderSize()),
                    node.optional(keys, "max-headers", n -> n.integer(1, 1000)).orElse(d.maxHeaders()),
                    node.optional(timeouts, "http-request", ConfigNode::duration).orElse(d.httpRequest()),
                    node.optional(timeouts, "http-keep-alive", ConfigNode::duration).orElse(d.httpKeepAlive()),
                    node.optional(timeouts, "client", ConfigNode::duration).orElse(d.client()));
        }

        private List<BindAddress> binds(ConfigNode node) throws ConfigException {
            List<BindAddress> binds = new ArrayList<>();
            List<ConfigNode> items = node.sequenceOrScalar();
            if (items.isEmpty()) {
                throw node.error("needs at least one address");
            }
            for (ConfigNode item : items) {
                BindAddress bind = item.endpoint(true);
                checkOverlaps(item, new Bound(bind, resolve(item, bind), item));
                binds.add(bind);
            }
            return binds;
        }

        private void checkOverlaps(ConfigNode item, Bound bound) throws ConfigException {
            for (Bound seen : bindsSeen) {
                if (seen.overlaps(bound)) {
                    throw item.error(bound.bind() + " overlaps " + seen.bind() + ", bound at line " + seen.at().line()
                            + " (" + seen.at().key() + "); " + (seen.everyAddress() || bound.everyAddress()
                            ? "a wildcard takes the port on every address, IPv4 and IPv6"
                            : "both are " + bound.address().getHostAddress())
                            + ": the second bind would fail with 'Address already in use'");
                }
            }
            bindsSeen.add(bound);
        }

        /**
         * The address the listener will bind, resolved as binding it will (the JDK's resolver, here on the thread
         * that loads the file, never an event loop); null for every address.
         */
        private static InetAddress resolve(ConfigNode at, BindAddress bind) throws ConfigException {
            if (bind.host() == null) {
                return null;
            }
            try {
                InetAddress address = InetAddress.getByName(bind.host());
                return address.isAnyLocalAddress() ? null : address;
            } catch (UnknownHostException e) {
                throw at.error("cannot resolve '" + bind.host() + "' to an address to bind: " + e.getMessage());
            }
        }

        private ListenerDefaults defaults(ConfigNode node) throws ConfigException {
            return ListenerDefaults.builtIn().overriddenBy(node, node.mapping(DEFAULTS_KEYS));
        }

        private Map<String, ServerConfig> servers(ConfigNode node, ApiAccess defaultAccess) throws ConfigException {
            Map<String, ServerConfig> servers = new LinkedHashMap<>();
            List<ConfigNode> items = node.sequence();
            if (items.isEmpty()) {
                throw node.error("needs at least one server");
            }
            for (ConfigNode item : items) {
                Map<String, ConfigNode> keys = item.mapping(SERVER_KEYS);
                String name = item.required(keys, "name", ConfigNode::string);
                BindAddress address = item.required(keys, "address", n -> n.endpoint(false));
                HostPort target = new HostPort(address.host(), address.port());
                HostPort check;
                if (keys.containsKey("check-address")) {
                    if (keys.containsKey("check-port")) {
                        throw keys.get("check-port").error("give either check-port or check-address, not both");
                    }
                    BindAddress checkAddress = keys.get("check-address").endpoint(false);
                    check = new HostPort(checkAddress.host(), checkAddress.port());
                } else {
                    int port = item.required(keys, "check-port", n -> n.integer(1, 65535));
                    check = new HostPort(target.host(), port);
                }
                int maxconn = item.optional(keys, "maxconn", n -> n.integer(0, MAXCONN_LIMIT)).orElse(0);
                String member = item.optional(keys, "member", ConfigNode::string).orElse(name);
                ApiAccess access = new ApiAccess(
                        item.optional(keys, "check-tls", AccessSettings::tlsClientOrNone).orElse(defaultAccess.tls()),
                        item.optional(keys, "check-auth", AccessSettings::authOrNone).orElse(defaultAccess.auth()));
                if (servers.put(name, new ServerConfig(name, target, check, maxconn, member, access)) != null) {
                    throw item.error("server name '" + name + "' is used twice");
                }
            }
            return servers;
        }

        private ListenerConfig listener(ConfigNode node, ListenerDefaults defaults, Map<String, ServerConfig> servers)
                throws ConfigException {
            Map<String, ConfigNode> keys = node.mapping(LISTENER_KEYS);
            String name = node.required(keys, "name", ConfigNode::string);
            List<BindAddress> binds = node.required(keys, "bind", this::binds);
            Balance balance = node.required(keys, "balance", n -> n.choice(BALANCES,
                    v -> "unknown balance '" + v + "'; expected primary or roundrobin"));
            List<ServerConfig> members = node.optional(keys, "servers", n -> serverRefs(n, servers))
                    .orElseGet(() -> List.copyOf(servers.values()));
            ConfigNode checkNode = keys.get("check");
            boolean unchecked = checkNode != null && checkNode.isScalar("none");
            if (checkNode != null && !unchecked) {
                Map<String, ConfigNode> check = checkNode.mapping(CHECK_KEYS);
                for (String serverKey : List.of("tls", "auth")) {
                    if (check.containsKey(serverKey)) {
                        throw check.get(serverKey).error("every listener checks the same Patroni API of a server: set "
                                + serverKey + " in defaults.check, or per server as check-" + serverKey);
                    }
                }
            }
            if (unchecked) {
                keys.remove("check");
            }
            ListenerDefaults settings = defaults.overriddenBy(node, keys);
            Optional<CheckConfig> check = unchecked ? Optional.empty()
                    : Optional.of(settings.check(node, keys.get("check"), balance));
            return new ListenerConfig(name, binds, balance, check, settings.timeouts(), settings.retries,
                    settings.maxconn, settings.shutdownSessions, settings.tcplog, settings.releaseRate, members);
        }

        private static List<ServerConfig> serverRefs(ConfigNode node, Map<String, ServerConfig> servers)
                throws ConfigException {
            List<ServerConfig> members = new ArrayList<>();
            for (ConfigNode item : node.sequenceOrScalar()) {
                String name = item.string();
                ServerConfig server = servers.get(name);
                if (server == null) {
                    throw item.error("no server named '" + name + "' in servers");
                }
                if (members.contains(server)) {
                    throw item.error("server '" + name + "' is listed twice");
                }
                members.add(server);
            }
            if (members.isEmpty()) {
                throw node.error("needs at least one server");
            }
            return members;
        }
    }

    /**
     * A bind and the address it resolved to, null for every address: Netty (epoll and NIO alike) binds
     * 0.0.0.0 and :: as the dual-stack wildcard, so any of {@code *}, 0.0.0.0 and :: takes the port on every
     * address; the kernel refuses a second socket on it (SO_REUSEADDR does not let two listening sockets share).
     */
    private record Bound(BindAddress bind, InetAddress address, ConfigNode at) {
        boolean everyAddress() {
            return address == null;
        }

        boolean overlaps(Bound other) {
            return bind.port() == other.bind.port()
                    && (everyAddress() || other.everyAddress() || address.equals(other.address));
        }
    }

    /** A duration, or {@code none} (Duration.ZERO): no limit. */
    private static Duration durationOrNone(ConfigNode node) throws ConfigException {
        return node.isScalar("none") ? Duration.ZERO : node.duration();
    }

    /** Listener settings that {@code defaults} sets and each listener may override, key by key. */
    private static final class ListenerDefaults {
        Duration connect = Duration.ofSeconds(4);
        /** Zero: none. A session idle for hours is an idle pool, not a dead peer; keep-alive finds those. */
        Duration client = Duration.ZERO;
        Duration server = Duration.ZERO;
        Duration queue;
        Duration clientFin;
        Duration serverFin;
        Duration hold = Duration.ofSeconds(30);
        Duration clientStartup = Timeouts.DEFAULT_CLIENT_STARTUP;
        Duration clientHello = Timeouts.DEFAULT_CLIENT_HELLO;
        int releaseRate;
        int retries = 2;
        int maxconn;
        boolean shutdownSessions = true;
        boolean tcplog;
        /** Unset: GET on a primary listener (Patroni's body says whether PostgreSQL left recovery), else OPTIONS. */
        String method;
        String path;
        int expect = 200;
        Duration inter = Duration.ofSeconds(3);
        Duration checkTimeout = Duration.ofSeconds(5);
        int rise = 2;
        int fall = 3;

        static ListenerDefaults builtIn() {
            return new ListenerDefaults();
        }

        ListenerDefaults copy() {
            ListenerDefaults c = new ListenerDefaults();
            c.connect = connect;
            c.client = client;
            c.server = server;
            c.queue = queue;
            c.clientFin = clientFin;
            c.serverFin = serverFin;
            c.hold = hold;
            c.clientStartup = clientStartup;
            c.clientHello = clientHello;
            c.releaseRate = releaseRate;
            c.retries = retries;
            c.maxconn = maxconn;
            c.shutdownSessions = shutdownSessions;
            c.tcplog = tcplog;
            c.method = method;
            c.path = path;
            c.expect = expect;
            c.inter = inter;
            c.checkTimeout = checkTimeout;
            c.rise = rise;
            c.fall = fall;
            return c;
        }

        ListenerDefaults overriddenBy(ConfigNode node, Map<String, ConfigNode> keys) throws ConfigException {
            ListenerDefaults c = copy();
            ConfigNode timeout = keys.get("timeout");
            if (timeout != null) {
                Map<String, ConfigNode> t = timeout.mapping(TIMEOUT_KEYS);
                c.connect = timeout.optional(t, "connect", ConfigNode::duration).orElse(c.connect);
                c.client = timeout.optional(t, "client", ConfigLoader::durationOrNone).orElse(c.client);
                c.server = timeout.optional(t, "server", ConfigLoader::durationOrNone).orElse(c.server);
                c.queue = timeout.optional(t, "queue", ConfigNode::duration).orElse(c.queue);
                c.clientFin = timeout.optional(t, "client-fin", ConfigLoader::durationOrNone).orElse(c.clientFin);
                c.serverFin = timeout.optional(t, "server-fin", ConfigLoader::durationOrNone).orElse(c.serverFin);
                c.hold = timeout.optional(t, "hold", n -> n.isScalar("none") ? Duration.ZERO : n.duration())
                        .orElse(c.hold);
                c.clientStartup = timeout.optional(t, "client-startup", ConfigLoader::durationOrNone)
                        .orElse(c.clientStartup);
                c.clientHello = timeout.optional(t, "client-hello", ConfigLoader::durationOrNone)
                        .orElse(c.clientHello);
            }
            c.releaseRate = node.optional(keys, "release-rate", n -> n.integer(0, MAXCONN_LIMIT)).orElse(c.releaseRate);
            c.retries = node.optional(keys, "retries", n -> n.integer(0, 100)).orElse(c.retries);
            c.maxconn = node.optional(keys, "maxconn", n -> n.integer(0, MAXCONN_LIMIT)).orElse(c.maxconn);
            c.shutdownSessions = node.optional(keys, "on-marked-down", n -> n.choice(ON_MARKED_DOWN,
                    v -> "unknown action '" + v + "'; expected shutdown-sessions or none"))
                    .orElse(c.shutdownSessions);
            c.tcplog = node.optional(keys, "log", n -> n.choice(LOG_FORMATS,
                    v -> "unknown log format '" + v + "'; expected tcplog or none")).orElse(c.tcplog);
            ConfigNode check = keys.get("check");
            if (check != null) {
                Map<String, ConfigNode> k = check.mapping(CHECK_KEYS);
                c.method = check.optional(k, "method", n -> n.choice(CHECK_METHODS,
                        v -> "unknown method '" + v + "'; expected GET, HEAD or OPTIONS")).orElse(c.method);
                c.path = check.optional(k, "path", ConfigNode::string).orElse(c.path);
                c.expect = check.optional(k, "expect", n -> n.integer(100, 599)).orElse(c.expect);
                c.inter = check.optional(k, "inter", ConfigNode::duration).orElse(c.inter);
                c.checkTimeout = check.optional(k, "timeout", ConfigNode::duration).orElse(c.checkTimeout);
                c.rise = check.optional(k, "rise", n -> n.integer(1, 100)).orElse(c.rise);
                c.fall = check.optional(k, "fall", n -> n.integer(1, 100)).orElse(c.fall);
            }
            return c;
        }

        /** Unset, {@code queue} is {@code connect} and the fin timeouts are {@code client}/{@code server}, as in HAProxy. */
        Timeouts timeouts() {
            return new Timeouts(connect, client, server, queue != null ? queue : connect,
                    clientFin != null ? clientFin : client, serverFin != null ? serverFin : server, hold,
                    clientStartup, clientHello);
        }

        /** The listener's check; the path defaults to the one that matches the balance. */
        CheckConfig check(ConfigNode listener, ConfigNode checkNode, Balance balance) throws ConfigException {
            String checkPath = path != null ? path : balance == Balance.PRIMARY ? "/primary" : "/replica";
            String method = this.method != null ? this.method : balance == Balance.PRIMARY ? "GET" : "OPTIONS";
            ConfigNode at = listener;
            if (checkNode != null) {
                Map<String, ConfigNode> keys = checkNode.mapping(CHECK_KEYS);
                at = keys.getOrDefault("path", keys.getOrDefault("method", checkNode));
            }
            PatroniPaths.validate(at, method, checkPath);
            return new CheckConfig(method, checkPath, expect, inter, checkTimeout, rise, fall);
        }
    }
}
