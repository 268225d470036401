package dev.patroxy.proxy.dcs;

import dev.patroxy.config.HostPort;
import dev.patroxy.proxy.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * etcd's v2 keys API (Patroni's {@code etcd:} section). A read ({@code GET key}) answers with the key or error
 * 100 "Key not found"; a watch ({@code GET key?wait=true&waitIndex=N}) answers with the first change at or after
 * N and ends, or with error 401 when etcd's event history (the last 1000 changes) no longer reaches back to N.
 * etcd sends a watch's headers at once, before any change.
 */
final class EtcdV2Api implements LeaderKeyApi {
    /** etcd's error code for "Key not found" (HTTP 404). */
    static final int KEY_NOT_FOUND = 100;
    /** etcd's error code for "The event in requested index is outdated and cleared" (HTTP 400). */
    static final int EVENT_INDEX_CLEARED = 401;
    /** Changes that leave the key absent: Patroni deletes it when stepping down; its TTL expires when the leader dies. */
    private static final Set<String> REMOVALS = Set.of("delete", "compareAndDelete", "expire");

    private final String key;
    private final String scheme;

    /** @param key the leader key, {@code /service/batman/leader} */
    EtcdV2Api(String key) {
        this(key, "http");
    }

    /** @param scheme {@code http}, or {@code https} for etcd over TLS */
    EtcdV2Api(String key, String scheme) {
        this.key = key;
        this.scheme = scheme;
    }

    private HttpUrl.Builder url(HostPort host) {
        return url(host, key);
    }

    private HttpUrl.Builder url(HostPort host, String key) {
        return new HttpUrl.Builder().scheme(scheme).host(host.host()).port(host.port())
                .addPathSegments("v2/keys" + key);
    }

    @Override
    public Request read(HostPort host) {
        // A quorum read: a member cut off from the others must not answer with what it last knew.
        return new Request.Builder().url(url(host).addQueryParameter("quorum", "true").build()).build();
    }

    @Override
    public LeaderKeyAnswer readAnswer(Response response) throws IOException {
        return ofRead(response.code(), response.header("X-Etcd-Index"),
                LeaderKeyApi.limitedBody(response.body().source()));
    }

    @Override
    public Request watch(HostPort host, long fromIndex) {
        return new Request.Builder().url(url(host).addQueryParameter("wait", "true")
                .addQueryParameter("waitIndex", Long.toString(fromIndex)).build()).build();
    }

    @Override
    public LeaderKeyAnswer watchAnswer(Response response) throws IOException {
        return ofWatch(response.code(), LeaderKeyApi.limitedBody(response.body().source()));
    }

    @Override
    public Request members(HostPort host, String membersKey) {
        return new Request.Builder().url(url(host, membersKey).addQueryParameter("quorum", "true").build()).build();
    }

    @Override
    public Set<String> membersAnswer(Response response, String membersKey) throws IOException {
        return ofMembers(response.code(), LeaderKeyApi.limitedBody(response.body().source()), membersKey);
    }

    /** The names below {@code membersKey} in an answer to a read of that directory. */
    static Set<String> ofMembers(int status, String body, String membersKey) throws IOException {
        Map<String, Object> answer = LeaderKeyApi.jsonObject(status, body);
        if (answer.get("errorCode") instanceof Long code) {
            if (code == KEY_NOT_FOUND) {
                return Set.of();
            }
            throw new IOException("etcd error " + code + ": " + answer.get("message"));
        }
        if (status != 200 || !(Json.object(answer.get("node")).get("nodes") instanceof List<?> nodes)) {
            return Set.of();
        }
        Set<String> members = new TreeSet<>();
        for (Object node : nodes) {
            if (Json.object(node).get("key") instanceof String path && path.startsWith(membersKey + "/")) {
                members.add(path.substring(membersKey.length() + 1));
            }
        }
        return members;
    }

    /**
     * An answer to a read.
     *
     * @param etcdIndex the {@code X-Etcd-Index} header: the store's index when it answered, or null
     */
    static LeaderKeyAnswer ofRead(int status, String etcdIndex, String body) {
        return of(status, etcdIndex, body);
    }

    /** An answer to a watch: the next watch starts after the change it reports. */
    static LeaderKeyAnswer ofWatch(int status, String body) {
        return of(status, null, body);
    }

    private static LeaderKeyAnswer of(int status, String etcdIndex, String body) {
        try {
            return of(status, etcdIndex, Json.object(Json.parse(body)));
        } catch (IllegalArgumentException e) {
            return new LeaderKeyAnswer.Failed("HTTP " + status + ", " + e.getMessage());
        }
    }

    /** @throws IllegalArgumentException when an index in the answer is not one */
    private static LeaderKeyAnswer of(int status, String etcdIndex, Map<String, Object> answer) {
        if (answer.get("errorCode") instanceof Long code) {
            Long index = code == KEY_NOT_FOUND ? EtcdIndex.of("index", answer.get("index")) : null;
            if (index != null) {
                return new LeaderKeyAnswer.NoLeader(index, index + 1);
            }
            if (code == EVENT_INDEX_CLEARED) {
                return new LeaderKeyAnswer.HistoryGone();
            }
            return new LeaderKeyAnswer.Failed("etcd error " + code + ": " + answer.get("message"));
        }
        Map<String, Object> node = Json.object(answer.get("node"));
        Long modifiedIndex = EtcdIndex.of("modifiedIndex", node.get("modifiedIndex"));
        if ((status != 200 && status != 201) || !(answer.get("action") instanceof String action)
                || modifiedIndex == null) {
            return new LeaderKeyAnswer.Failed("HTTP " + status + ", not an etcd v2 answer about a key");
        }
        Long storeIndex = EtcdIndex.ofText("X-Etcd-Index", etcdIndex);
        long nextIndex = (storeIndex != null ? storeIndex : modifiedIndex) + 1;
        if (REMOVALS.contains(action)) {
            return new LeaderKeyAnswer.NoLeader(modifiedIndex, nextIndex);
        }
        if (node.get("value") instanceof String member && !member.isEmpty()) {
            return new LeaderKeyAnswer.Leader(member, modifiedIndex, nextIndex);
        }
        return new LeaderKeyAnswer.Failed("etcd " + action + " of the leader key without a value");
    }
}
