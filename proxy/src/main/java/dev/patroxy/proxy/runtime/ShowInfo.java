package dev.patroxy.proxy.runtime;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.patroxy.stats.FrontendStats;
import dev.patroxy.stats.ListenerStats;
import dev.patroxy.stats.StatsSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code show info}: HAProxy 2.6's fields, in its order, with patroxy's values. A field patroxy has nothing of (TLS
 * sessions, pipes, compression, peers) is 0, which is true; one it does not measure (rates, idle time) is empty;
 * hatop needs a value in {@code Release_date}, {@code Tasks} and {@code Run_queue}. {@code Version} starts with
 * the HAProxy version whose runtime API this is, then patroxy's own ({@code 2.6.0-patroxy-1.2.3}): tools read the
 * first two numbers to decide which commands HAProxy has (Ansible's haproxy module sends no {@code drain} to a
 * version it cannot read, or one before 1.5).
 */
final class ShowInfo {
    private static final long MB = 1024 * 1024;

    /** One field: its name, HAProxy's tags (origin, nature, scope), type, and value. */
    private record Field(String name, String tags, String type, Function<Facts, Object> value) {
    }

    /** What the fields are read from. */
    private record Facts(StatsSnapshot snapshot, RuntimeView.ProcessFacts process) {
        long frontends(Function<FrontendStats, Long> counter) {
            return snapshot.listeners().stream().map(ListenerStats::frontend).mapToLong(counter::apply).sum();
        }

        long binds() {
            return snapshot.listeners().stream().mapToLong(l -> l.binds().size()).sum();
        }

        Duration uptime() {
            return Duration.between(snapshot.startedAt(), snapshot.takenAt());
        }
    }

    private static final Object UNMEASURED = "";
    static final String HAPROXY_API_VERSION = "2.6.0";

    private static final List<Field> FIELDS = List.of(
            new Field("Name", "POS", "str", f -> "patroxy"),
            new Field("Version", "POS", "str", f -> HAPROXY_API_VERSION + "-patroxy-" + f.snapshot().version()),
            new Field("Release_date", "POS", "str", f -> "unknown"),
            new Field("Nbthread", "CGS", "u32", f -> f.process().threads()),
            new Field("Nbproc", "CGS", "u32", f -> 1),
            new Field("Process_num", "KGP", "u32", f -> 1),
            new Field("Pid", "SGP", "u32", f -> f.process().pid()),
            new Field("Uptime", "MDP", "str", f -> uptime(f.uptime())),
            new Field("Uptime_sec", "MDP", "u32", f -> f.uptime().toSeconds()),
            new Field("Memmax_MB", "CLP", "u32", f -> f.process().heapMax() / MB),
            new Field("PoolAlloc_MB", "MGP", "u32", f -> f.process().heapCommitted() / MB),
            new Field("PoolUsed_MB", "MGP", "u32", f -> f.process().heapUsed() / MB),
            new Field("PoolFailed", "MCP", "u32", f -> 0),
            new Field("Ulimit-n", "CLP", "u32", f -> f.process().openFilesLimit()),
            new Field("Maxsock", "CLP", "u32", f -> f.process().openFilesLimit()),
            new Field("Maxconn", "CLP", "u32", f -> f.process().maxconn()),
            new Field("Hard_maxconn", "CLP", "u32", f -> f.process().maxconn()),
            new Field("CurrConns", "MGP", "u32", f -> f.frontends(FrontendStats::currentSessions)),
            new Field("CumConns", "MCP", "u32", f -> f.frontends(FrontendStats::totalSessions)),
            new Field("CumReq", "MCP", "u32", f -> f.frontends(FrontendStats::totalSessions)),
            new Field("MaxSslConns", "CLP", "u32", f -> 0),
            new Field("CurrSslConns", "MGP", "u32", f -> 0),
            new Field("CumSslConns", "MCP", "u32", f -> 0),
            new Field("Maxpipes", "CLP", "u32", f -> 0),
            new Field("PipesUsed", "MGP", "u32", f -> 0),
            new Field("PipesFree", "MGP", "u32", f -> 0),
            new Field("ConnRate", "MRP", "u32", f -> UNMEASURED),
            new Field("ConnRateLimit", "CLP", "u32", f -> 0),
            new Field("MaxConnRate", "MMP", "u32", f -> UNMEASURED),
            new Field("SessRate", "MRP", "u32", f -> UNMEASURED),
            new Field("SessRateLimit", "CLP", "u32", f -> 0),
            new Field("MaxSessRate", "MMP", "u32", f -> UNMEASURED),
            new Field("SslRate", "MRP", "u32", f -> 0),
            new Field("SslRateLimit", "CLP", "u32", f -> 0),
            new Field("MaxSslRate", "MMP", "u32", f -> 0),
            new Field("SslFrontendKeyRate", "MRP", "u32", f -> 0),
            new Field("SslFrontendMaxKeyRate", "MMP", "u32", f -> 0),
            new Field("SslFrontendSessionReuse_pct", "MRP", "u32", f -> 0),
            new Field("SslBackendKeyRate", "MRP", "u32", f -> 0),
            new Field("SslBackendMaxKeyRate", "MMP", "u32", f -> 0),
            new Field("SslCacheLookups", "MCP", "u32", f -> 0),
            new Field("SslCacheMisses", "MCP", "u32", f -> 0),
            new Field("CompressBpsIn", "MRP", "u32", f -> 0),
            new Field("CompressBpsOut", "MRP", "u32", f -> 0),
            new Field("CompressBpsRateLim", "CLP", "u32", f -> 0),
            new Field("ZlibMemUsage", "MGP", "u32", f -> 0),
            new Field("MaxZlibMemUsage", "CLP", "u32", f -> 0),
            new Field("Tasks", "MGP", "u32", f -> f.process().tasks()),
            new Field("Run_queue", "MGP", "u32", f -> f.process().runQueue()),
            new Field("Idle_pct", "MAP", "u32", f -> UNMEASURED),
            new Field("node", "COS", "str", f -> f.process().node()),
            new Field("description", "COS", "str", f -> ""),
            new Field("Stopping", "MGP", "u32", f -> 0),
            new Field("Jobs", "MGP", "u32", f -> f.frontends(FrontendStats::currentSessions) + f.binds()),
            new Field("Unstoppable Jobs", "MGP", "u32", f -> 0),
            new Field("Listeners", "MGP", "u32", f -> f.binds()),
            new Field("ActivePeers", "MGP", "u32", f -> 0),
            new Field("ConnectedPeers", "MGP", "u32", f -> 0),
            new Field("DroppedLogs", "MCP", "u32", f -> f.snapshot().droppedLogLines()),
            new Field("BusyPolling", "MGP", "u32", f -> 0),
            new Field("FailedResolutions", "MCP", "u32", f -> f.snapshot().listeners().stream()
                    .flatMap(l -> l.servers().stream()).mapToLong(s -> s.failedLookups()).sum()),
            new Field("TotalBytesOut", "MCP", "u64", f -> f.frontends(FrontendStats::bytesOut)),
            new Field("TotalSplicedBytesOut", "MCP", "u64", f -> 0),
            new Field("BytesOutRate", "MRP", "u64", f -> UNMEASURED),
            new Field("DebugCommandsIssued", "MCP", "u32", f -> 0),
            new Field("CumRecvLogs", "MCP", "u64", f -> 0),
            new Field("Build info", "POS", "str", f -> "patroxy " + f.snapshot().version()),
            new Field("Memmax_bytes", "CLP", "u64", f -> f.process().heapMax()),
            new Field("PoolAlloc_bytes", "MGP", "u64", f -> f.process().heapCommitted()),
            new Field("PoolUsed_bytes", "MGP", "u64", f -> f.process().heapUsed()),
            new Field("Start_time_sec", "MDP", "u32", f -> f.snapshot().startedAt().getEpochSecond()),
            new Field("Tainted", "SGP", "u32", f -> 0));

    private ShowInfo() {
    }

    /** @param format {@code typed}, {@code json}, or anything else for HAProxy's {@code Name: value} lines */
    static String render(StatsSnapshot snapshot, RuntimeView.ProcessFacts process, String format) {
        Facts facts = new Facts(snapshot, process);
        return switch (format) {
            case "typed" -> typed(facts);
            case "json" -> json(facts);
            default -> plain(facts);
        };
    }

    private static String plain(Facts facts) {
        StringBuilder out = new StringBuilder();
        FIELDS.forEach(f -> out.append(f.name()).append(": ").append(f.value().apply(facts)).append('\n'));
        return out.toString();
    }

    private static String typed(Facts facts) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < FIELDS.size(); i++) {
            Field f = FIELDS.get(i);
            out.append(i).append('.').append(f.name()).append(".1:").append(f.tags()).append(':').append(f.type())
                    .append(':').append(f.value().apply(facts)).append('\n');
        }
        return out.toString();
    }

    /** HAProxy's {@code show info json}: an array of one object per field; an unmeasured field is left out. */
    private static String json(Facts facts) {
        List<Object> fields = new ArrayList<>();
        for (int i = 0; i < FIELDS.size(); i++) {
            Field f = FIELDS.get(i);
            Object value = f.value().apply(facts);
            if (value == UNMEASURED) {
                continue;
            }
            Map<String, Object> field = new LinkedHashMap<>();
            field.put("field", Map.of("pos", i, "name", f.name()));
            field.put("processNum", 1);
            field.put("tags", tags(f.tags()));
            field.put("value", Map.of("type", f.type(), "value", value));
            fields.add(field);
        }
        try {
            return JSON.std.asString(fields) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> tags(String letters) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("origin", switch (letters.charAt(0)) {
            case 'M' -> "Metric";
            case 'S' -> "Status";
            case 'K' -> "Key";
            case 'C' -> "Config";
            default -> "Product";
        });
        tags.put("nature", switch (letters.charAt(1)) {
            case 'A' -> "Age";
            case 'C' -> "Counter";
            case 'D' -> "Duration";
            case 'G' -> "Gauge";
            case 'L' -> "Limit";
            case 'M' -> "Max";
            case 'N' -> "Name";
            case 'R' -> "Rate";
            default -> "Output";
        });
        tags.put("scope", switch (letters.charAt(2)) {
            case 'G' -> "Global";
            case 'S' -> "Service";
            default -> "Process";
        });
        return tags;
    }

    /** HAProxy's {@code Uptime}: {@code 0d 0h01m23s}. */
    static String uptime(Duration uptime) {
        long s = uptime.toSeconds();
        return String.format("%dd %dh%02dm%02ds", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    }
}
