package dev.patroxy.proxy.dcs;

import dev.patroxy.config.HostPort;
import dev.patroxy.proxy.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * etcd's v3 API through its JSON gateway (Patroni's {@code etcd3:} section): keys and values in base64, 64-bit
 * numbers as strings. A read is {@code POST /v3/kv/range}; a watch is {@code POST /v3/watch}, a stream of
 * newline-separated messages: "created" at once, then the changes. A watch whose start revision has been
 * compacted away is cancelled with {@code compact_revision}.
 */
final class EtcdV3Api implements LeaderKeyApi {
    private static final MediaType JSON = MediaType.get("application/json");

    private final String encodedKey;
    private final String scheme;

    /** @param key the leader key, {@code /service/batman/leader} */
    EtcdV3Api(String key) {
        this(key, "http");
    }

    /** @param scheme {@code http}, or {@code https} for etcd over TLS */
    EtcdV3Api(String key, String scheme) {
        this.encodedKey = Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
        this.scheme = scheme;
    }

    private Request post(HostPort host, String path, String json) {
        return new Request.Builder().url(scheme + "://" + host + path).post(RequestBody.create(json, JSON)).build();
    }

    @Override
    public Request read(HostPort host) {
        return post(host, "/v3/kv/range", "{\"key\":\"" + encodedKey + "\"}");
    }

    @Override
    public LeaderKeyAnswer readAnswer(Response response) throws IOException {
        return ofRange(response.code(), LeaderKeyApi.limitedBody(response.body().source()));
    }

    @Override
    public Request members(HostPort host, String membersKey) {
        byte[] prefix = (membersKey + "/").getBytes(StandardCharsets.UTF_8);
        byte[] end = prefix.clone();
        end[end.length - 1]++;
        Base64.Encoder base64 = Base64.getEncoder();
        return post(host, "/v3/kv/range", "{\"key\":\"" + base64.encodeToString(prefix) + "\",\"range_end\":\""
                + base64.encodeToString(end) + "\",\"keys_only\":true}");
    }

    @Override
    public Set<String> membersAnswer(Response response, String membersKey) throws IOException {
        return ofMembers(response.code(), LeaderKeyApi.limitedBody(response.body().source()), membersKey);
    }

    /** The names below {@code membersKey} in an answer to a range over that prefix. */
    static Set<String> ofMembers(int status, String body, String membersKey) throws IOException {
        Map<String, Object> answer = LeaderKeyApi.jsonObject(status, body);
        if (status != 200) {
            throw new IOException(failureReason(status, answer));
        }
        Set<String> members = new TreeSet<>();
        if (answer.get("kvs") instanceof List<?> kvs) {
            for (Object kv : kvs) {
                if (Json.object(kv).get("key") instanceof String key) {
                    String path;
                    try {
                        path = new String(Base64.getDecoder().decode(key), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        throw new IOException("a member key that is not base64");
                    }
                    if (path.startsWith(membersKey + "/")) {
                        members.add(path.substring(membersKey.length() + 1));
                    }
                }
            }
        }
        return members;
    }

    @Override
    public Request watch(HostPort host, long fromIndex) {
        return post(host, "/v3/watch", "{\"create_request\":{\"key\":\"" + encodedKey + "\",\"start_revision\":\""
                + fromIndex + "\"}}");
    }

    @Override
    public LeaderKeyAnswer watchAnswer(Response response) throws IOException {
        BufferedSource source = response.body().source();
        if (response.code() != 200) {
            return new LeaderKeyAnswer.Failed("HTTP " + response.code() + ": " + LeaderKeyApi.limitedBody(source));
        }
        while (true) {
            long newline = source.indexOf((byte) '\n', 0, MAX_ANSWER);
            String message;
            if (newline >= 0) {
                message = source.readUtf8(newline);
                source.skip(1);
            } else if (source.getBuffer().size() >= MAX_ANSWER) {
                throw new IOException("watch message longer than " + MAX_ANSWER + " bytes");
            } else if (source.exhausted()) {
                return new LeaderKeyAnswer.Failed("the watch stream ended");
            } else {
                message = source.readUtf8();
            }
            LeaderKeyAnswer answer = message.isBlank() ? null : ofWatchMessage(message);
            if (answer != null) {
                return answer;
            }
        }
    }

    /** An answer to a range request for the key. */
    static LeaderKeyAnswer ofRange(int status, String body) {
        Map<String, Object> answer;
        try {
            answer = Json.object(Json.parse(body));
        } catch (IllegalArgumentException e) {
            return new LeaderKeyAnswer.Failed("HTTP " + status + ", " + e.getMessage());
        }
        try {
            Long revision = EtcdIndex.ofText("revision", Json.object(answer.get("header")).get("revision"));
            if (status != 200 || revision == null) {
                return failure(status, answer);
            }
            if (!(answer.get("kvs") instanceof List<?> kvs) || kvs.isEmpty()) {
                return new LeaderKeyAnswer.NoLeader(revision, revision + 1);
            }
            return leader(Json.object(kvs.get(0)), revision + 1);
        } catch (IllegalArgumentException e) {
            return new LeaderKeyAnswer.Failed("HTTP " + status + ", " + e.getMessage());
        }
    }

    /** One message of a watch stream, or null when it reports no change (the watch was created, or progress). */
    static LeaderKeyAnswer ofWatchMessage(String message) {
        Map<String, Object> answer;
        try {
            answer = Json.object(Json.parse(message));
        } catch (IllegalArgumentException e) {
            return new LeaderKeyAnswer.Failed("watch message " + e.getMessage());
        }
        if (!answer.containsKey("result")) {
            return failure(200, answer);
        }
        try {
            return ofWatchResult(Json.object(answer.get("result")));
        } catch (IllegalArgumentException e) {
            return new LeaderKeyAnswer.Failed("watch message: " + e.getMessage());
        }
    }

    /** @throws IllegalArgumentException when a revision in the result is not one */
    private static LeaderKeyAnswer ofWatchResult(Map<String, Object> result) {
        if (Boolean.TRUE.equals(result.get("canceled"))) {
            return EtcdIndex.ofText("compact_revision", result.get("compact_revision")) != null
                    ? new LeaderKeyAnswer.HistoryGone()
                    : new LeaderKeyAnswer.Failed("etcd cancelled the watch: " + result.get("cancel_reason"));
        }
        if (!(result.get("events") instanceof List<?> events) || events.isEmpty()) {
            return null;
        }
        // One message may carry several changes; the last is the key as it stands.
        Map<String, Object> event = Json.object(events.get(events.size() - 1));
        Map<String, Object> kv = Json.object(event.get("kv"));
        Long modRevision = EtcdIndex.ofText("mod_revision", kv.get("mod_revision"));
        if (modRevision == null) {
            return new LeaderKeyAnswer.Failed("a watch event without mod_revision");
        }
        if ("DELETE".equals(event.get("type"))) {
            return new LeaderKeyAnswer.NoLeader(modRevision, modRevision + 1);
        }
        return leader(kv, modRevision + 1);
    }

    /** @throws IllegalArgumentException when the key's mod_revision is not a revision */
    private static LeaderKeyAnswer leader(Map<String, Object> kv, long nextIndex) {
        Long modRevision = EtcdIndex.ofText("mod_revision", kv.get("mod_revision"));
        String member;
        try {
            member = kv.get("value") instanceof String value
                    ? new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8) : "";
        } catch (IllegalArgumentException e) {
            return new LeaderKeyAnswer.Failed("the leader key's value is not base64");
        }
        if (modRevision == null || member.isEmpty()) {
            return new LeaderKeyAnswer.Failed("the leader key without a value or mod_revision");
        }
        return new LeaderKeyAnswer.Leader(member, modRevision, nextIndex);
    }

    private static LeaderKeyAnswer failure(int status, Map<String, Object> answer) {
        return new LeaderKeyAnswer.Failed(failureReason(status, answer));
    }

    private static String failureReason(int status, Map<String, Object> answer) {
        Object message = answer.containsKey("message") ? answer.get("message") : answer.get("error");
        return "HTTP " + status + ", etcd error " + answer.get("code") + ": " + message;
    }
}
