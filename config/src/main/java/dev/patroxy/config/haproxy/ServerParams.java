package dev.patroxy.config.haproxy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The parameters of a {@code server} or {@code default-server} line ({@code check port 8008 inter 3s ...}), each
 * with the line that set it: a server's own over the {@code default-server} lines above it.
 */
final class ServerParams {
    /** Parameters without a value; {@code no-X} takes X back. */
    private static final Set<String> FLAGS = Set.of("check", "backup", "check-ssl", "ssl", "disabled", "enabled",
            "send-proxy", "send-proxy-v2", "send-proxy-v2-ssl", "send-proxy-v2-ssl-cn", "check-send-proxy",
            "non-stick", "stick", "agent-check", "allow-0rtt", "tfo", "ssl-reuse", "tls-tickets", "force-sslv3",
            "force-tlsv10", "force-tlsv11", "force-tlsv12", "force-tlsv13", "check-via-socks4", "no-verifyhost");
    /** Parameters that take one value. */
    private static final Set<String> ONE_VALUE = Set.of("inter", "fastinter", "downinter", "fall", "rise",
            "on-marked-down", "on-marked-up", "slowstart", "maxconn", "maxqueue", "minconn", "weight", "port", "addr",
            "verify", "ca-file", "crt", "crl-file", "resolvers", "resolve-prefer", "resolve-net", "resolve-opts",
            "init-addr", "id", "cookie", "observe", "error-limit", "on-error", "agent-port", "agent-inter",
            "agent-addr", "agent-send", "check-sni", "sni", "verifyhost", "alpn", "check-alpn", "npn", "proto",
            "check-proto", "redir", "track", "pool-max-conn", "pool-purge-delay", "pool-low-conn", "max-reuse",
            "namespace", "ciphers", "ciphersuites", "ssl-min-ver", "ssl-max-ver", "log-proto", "socks4",
            "proxy-v2-options", "tcp-ut", "ws", "curves", "sigalgs", "client-sigalgs", "guid", "hash-key", "shard",
            "check-reuse-pool", "idle-ping");

    static final ServerParams NONE = new ServerParams(Map.of());

    record Param(String value, int line) {
    }

    private final Map<String, Param> params;

    private ServerParams(Map<String, Param> params) {
        this.params = params;
    }

    /**
     * These parameters with those of {@code line} from word {@code from} on over them. A word it does not know ends
     * the reading of the line (its number of values is unknown) with a note.
     */
    ServerParams with(Directive line, int from, List<ImportNote> notes) {
        Map<String, Param> merged = new LinkedHashMap<>(params);
        List<String> words = line.words();
        for (int i = from; i < words.size(); i++) {
            String word = words.get(i);
            if (FLAGS.contains(word)) {
                merged.put(word, new Param("", line.line()));
            } else if (word.startsWith("no-") && FLAGS.contains(word.substring(3))) {
                merged.remove(word.substring(3));
            } else if (ONE_VALUE.contains(word)) {
                if (i + 1 == words.size()) {
                    notes.add(new ImportNote(line.line(), line.text(0, 2), "'" + word + "' has no value; ignored"));
                    break;
                }
                merged.put(word, new Param(words.get(++i), line.line()));
            } else {
                notes.add(new ImportNote(line.line(), line.text(0, 2), "'" + line.text(i)
                        + "': not carried over (a server parameter the importer does not know); the rest of the"
                        + " line is not read"));
                break;
            }
        }
        return new ServerParams(merged);
    }

    Optional<Param> get(String name) {
        return Optional.ofNullable(params.get(name));
    }

    boolean has(String name) {
        return params.containsKey(name);
    }

    Map<String, Param> all() {
        return params;
    }
}
