package dev.patroxy.proxy.dcs;

import dev.patroxy.config.Balance;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.config.ServerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * For {@code patroxy --check}: compares the servers' {@code member:} names with the Patroni members the DCS holds,
 * so that names that would leave the leader key naming no server are found before they are put in force. Reads the
 * members directory and the leader key once, from the first DCS host that answers; blocks for at most
 * {@code timeout} per host.
 */
public final class DcsNameCheck {
    private DcsNameCheck() {
    }

    /**
     * What is wrong with the member names, one line each (none when they match), or a single line saying they could
     * not be verified because no DCS host answered.
     */
    public static List<String> warnings(PatroxyConfig config, OkHttpClient http, Duration timeout) {
        DcsConfig dcs = config.dcs().orElseThrow();
        OkHttpClient client = EtcdAccess.configure(
                http.newBuilder().callTimeout(timeout).retryOnConnectionFailure(false), dcs);
        LeaderKeyApi api = EtcdAccess.api(dcs, dcs.leaderKey());
        List<String> failures = new ArrayList<>();
        for (HostPort host : dcs.hosts()) {
            try {
                Set<String> members;
                try (Response response = call(client, api.members(host, dcs.membersKey()))) {
                    members = api.membersAnswer(response, dcs.membersKey());
                }
                LeaderKeyAnswer leader;
                try (Response response = call(client, api.read(host))) {
                    leader = api.readAnswer(response);
                }
                if (leader instanceof LeaderKeyAnswer.Failed failed) {
                    throw new IOException(failed.reason());
                }
                return compare(config, dcs, members, leader instanceof LeaderKeyAnswer.Leader l ? l.member() : null);
            } catch (IOException | RuntimeException e) {
                failures.add(host + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
        }
        return List.of("could not verify the servers' member names against the DCS: " + String.join("; ", failures));
    }

    private static Response call(OkHttpClient client, Request request) throws IOException {
        return client.newCall(request.newBuilder().header("User-Agent", "patroxy-check").build()).execute();
    }

    static List<String> compare(PatroxyConfig config, DcsConfig dcs, Set<String> members, String leader) {
        List<String> warnings = new ArrayList<>();
        if (members.isEmpty()) {
            warnings.add("the DCS holds no Patroni member under " + dcs.membersKey() + ": check dcs.scope and"
                    + " dcs.namespace against Patroni's scope and namespace");
            return warnings;
        }
        String known = String.join(", ", members);
        // A standby cluster's listener none of whose servers is a member here is another Patroni cluster's: its
        // servers, unless another listener routes to them too, have nothing to match.
        List<ListenerConfig> ofThisCluster = config.listeners().stream().filter(l -> !ofAnotherCluster(l, members))
                .toList();
        Set<String> ofAnother = config.listeners().stream().filter(l -> ofAnotherCluster(l, members))
                .flatMap(l -> l.servers().stream()).map(ServerConfig::name).collect(Collectors.toSet());
        ofThisCluster.forEach(l -> l.servers().forEach(server -> ofAnother.remove(server.name())));
        for (ServerConfig server : config.servers()) {
            if (!members.contains(server.member()) && !ofAnother.contains(server.name())) {
                warnings.add("server " + server.name() + ": member '" + server.member() + "' is not a Patroni member of "
                        + dcs.scope() + " in the DCS (its members: " + known + "); set member: to the node's Patroni"
                        + " name");
            }
        }
        if (config.servers().stream().noneMatch(s -> members.contains(s.member()))) {
            warnings.add("no server's member: is a Patroni member of " + dcs.scope() + ": with the DCS, the leader key"
                    + " never names a server");
        }
        for (ListenerConfig listener : ofThisCluster) {
            if (listener.balance() == Balance.PRIMARY && leader != null
                    && listener.servers().stream().noneMatch(s -> s.member().equals(leader))) {
                warnings.add("listener " + listener.name() + ": the leader key names " + leader + ", which is none of"
                        + " its servers' member: names; while it does, the REST checks alone pick its primary");
            }
        }
        return warnings;
    }

    private static boolean ofAnotherCluster(ListenerConfig listener, Set<String> members) {
        return listener.check().map(CheckConfig::asksForStandbyLeader).orElse(false)
                && listener.servers().stream().noneMatch(s -> members.contains(s.member()));
    }
}
