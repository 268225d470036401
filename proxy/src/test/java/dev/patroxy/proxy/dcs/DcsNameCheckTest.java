package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.PatroxyConfig;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DcsNameCheckTest {
    /** The cluster otus on pg01 and pg02, and beside it a standby cluster's leader on its own listener. */
    private static final String WITH_A_STANDBY_CLUSTER = """
            dcs: {type: etcd3, hosts: ["127.0.0.1:2379"], scope: otus}
            stats: {bind: ["127.0.0.1:7000"]}
            servers:
              - {name: pg01, address: "10.0.0.1:5432", check-port: 8008}
              - {name: pg02, address: "10.0.0.2:5432", check-port: 8008}
              - {name: standby01, address: "10.0.0.9:5432", check-port: 8008}
            listeners:
              - name: primary
                bind: ["*:5000"]
                balance: primary
                check: {path: /primary}
                servers: [pg01, pg02]
              - name: standby
                bind: ["*:5003"]
                balance: primary
                check: {path: /standby-leader}
                servers: [standby01]
            """;

    @Test
    void aStandbyClustersListenerAndItsServersAreNotMatchedAgainstTheDcsCluster() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(Path.of("patroxy.yml"), WITH_A_STANDBY_CLUSTER);

        assertThat(DcsNameCheck.compare(config, config.dcs().orElseThrow(), Set.of("pg01", "pg02"), "pg01"))
                .isEmpty();
        assertThat(DcsNameCheck.compare(config, config.dcs().orElseThrow(), new TreeSet<>(Set.of("node1", "pg02")), "node1"))
                .as("the cluster's own names are still checked")
                .containsExactly("server pg01: member 'pg01' is not a Patroni member of otus in the DCS (its members:"
                        + " node1, pg02); set member: to the node's Patroni name",
                        "listener primary: the leader key names node1, which is none of its servers' member: names;"
                                + " while it does, the REST checks alone pick its primary");
    }

    @Test
    void aStandbyClustersListenerUnderItsOwnScopeIsMatchedAsAnyOther() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(Path.of("patroxy.yml"), """
                dcs: {type: etcd3, hosts: ["127.0.0.1:2379"], scope: otus-standby}
                stats: {bind: ["127.0.0.1:7000"]}
                servers:
                  - {name: sb01, address: "10.0.0.1:5432", check-port: 8008}
                  - {name: sb02, address: "10.0.0.2:5432", check-port: 8008, member: sb2}
                listeners:
                  - name: standby
                    bind: ["*:5003"]
                    balance: primary
                    check: {path: /standby-leader}
                    servers: [sb01, sb02]
                """);

        assertThat(DcsNameCheck.compare(config, config.dcs().orElseThrow(), new TreeSet<>(Set.of("sb01", "sb02")),
                "sb02")).containsExactly("server sb02: member 'sb2' is not a Patroni member of otus-standby in the DCS"
                        + " (its members: sb01, sb02); set member: to the node's Patroni name",
                        "listener standby: the leader key names sb02, which is none of its servers' member: names;"
                                + " while it does, the REST checks alone pick its primary");
    }
}
