package dev.patroxy.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.proxy.relay.FirstPacketPlaces;
import dev.patroxy.proxy.relay.ProxyListener;
import dev.patroxy.proxy.relay.SessionRegistry;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.ProxiedSession;
import dev.patroxy.stats.AdminState;
import dev.patroxy.stats.StatsAdminActions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The commands against listeners that are built but not bound: routing is refreshed on the test's thread where the
 * daemon would refresh it on a health-check thread, with every server UP whose health says so here.
 */
class AdminControlTest {
    private static final String YAML = """
            global: {maxconn: 100}
            stats: {bind: ["127.0.0.1:8404"]}
            defaults:
              check: {inter: 1s, timeout: 1s, rise: 1, fall: 2}
            servers:
              - {name: pg01, address: "127.0.0.1:5432", check-port: 8008}
              - {name: pg02, address: "127.0.0.1:5433", check-port: 8008}
            listeners:
              - {name: primary, bind: "127.0.0.1:5000", balance: primary}
              - {name: replicas, bind: "127.0.0.1:5001", balance: roundrobin}
            """;

    private final AdminStates states = new AdminStates();
    private final Set<String> up = new HashSet<>(Set.of("primary/pg01", "replicas/pg01", "replicas/pg02"));
    private final List<ProxyListener> listeners = new ArrayList<>();
    private final Admission global = new Admission(100, System::nanoTime);
    private final AtomicInteger reroutes = new AtomicInteger();
    private final AdminControl admin;

    AdminControlTest() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(Path.of("test.yml"), YAML);
        for (ListenerConfig l : config.listeners()) {
            List<Backend> backends = new ArrayList<>();
            for (ServerConfig s : l.servers()) {
                backends.add(new Backend(l.name(), s, l.check(), Instant.EPOCH, states.cell(l.name(), s.name())));
            }
            listeners.add(new ProxyListener(new ListenerRouter(l, backends), global,
                    new Admission(0, System::nanoTime), new FirstPacketPlaces(10)));
        }
        admin = new AdminControl(states, () -> listeners, () -> listeners, why -> route(), global, 100,
                new SessionRegistry(System::nanoTime), Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        route();
        reroutes.set(0);
    }

    /** What a generation does on its health thread when told: route again, then cut the servers in MAINT. */
    private void route() {
        reroutes.incrementAndGet();
        for (ProxyListener l : listeners) {
            ListenerRouter router = l.router();
            router.refresh(b -> up.contains(b.toString())).dropped().forEach(b -> b.dropped(false));
            router.cutSessionsInMaintenance();
        }
    }

    private Backend backend(String listener, String server) {
        return router(listener).backends().stream().filter(b -> b.server().name().equals(server))
                .findFirst().orElseThrow();
    }

    private ListenerRouter router(String listener) {
        return listeners.stream().filter(l -> l.router().listener().name().equals(listener)).findFirst()
                .orElseThrow().router();
    }

    /** A relayed session that counts its kills. */
    private static ProxiedSession session(AtomicInteger killed) {
        return killed::incrementAndGet;
    }

    @Test
    void unknownNamesAndStatesGetHaproxysAnswers() {
        assertThat(admin.setServerState("nope", "pg01", "maint")).isEqualTo("No such backend.");
        assertThat(admin.setServerState("primary", "pg09", "maint")).isEqualTo("No such server.");
        assertThat(admin.setServerState("primary", "pg01", "MAINT"))
                .isEqualTo("'set server <srv> state' expects 'ready', 'drain' and 'maint'.");
        assertThat(admin.getWeight("primary", "pg09")).isEqualTo("No such server.");
        assertThat(admin.shutdownSessions("nope", "pg01")).isEqualTo("No such backend.");
        assertThat(reroutes).as("nothing changed").hasValue(0);
    }

    @Test
    void drainKeepsTheSessionsOfTheOnlyPrimaryAndTakesNoNewOnes() {
        Backend pg01 = backend("primary", "pg01");
        AtomicInteger killed = new AtomicInteger();
        assertThat(pg01.register(session(killed))).isTrue();

        assertThat(admin.setServerState("primary", "pg01", "drain")).isEmpty();

        assertThat(router("primary").pick()).as("new clients are held").isEmpty();
        assertThat(pg01.sessionCount()).isEqualTo(1);
        assertThat(killed).hasValue(0);
        assertThat(pg01.admin().state()).isEqualTo(AdminState.DRAIN);
    }

    @Test
    void maintCutsTheSessionsEvenOfADrainedServer() {
        Backend pg01 = backend("primary", "pg01");
        AtomicInteger killed = new AtomicInteger();
        pg01.register(session(killed));
        admin.setServerState("primary", "pg01", "drain");

        assertThat(admin.setServerState("primary", "pg01", "maint")).isEmpty();

        assertThat(killed).hasValue(1);
        assertThat(pg01.sessionCount()).isZero();
        assertThat(router("primary").pick()).isEmpty();
    }

    @Test
    void readyAfterMaintWaitsForAPassingCheckSentSince() {
        admin.setServerState("primary", "pg01", "maint");
        assertThat(admin.setServerState("primary", "pg01", "ready")).isEmpty();

        assertThat(router("primary").pick()).as("no check has passed since").isEmpty();
        Backend pg01 = backend("primary", "pg01");
        pg01.updateAdmin(a -> a.checkPassed(Instant.EPOCH));
        route();
        assertThat(router("primary").pick()).contains(pg01);
    }

    @Test
    void theStateIsTheSameForEveryBackendOfThatNameAsAReloadBuildsThem() {
        admin.setServerState("replicas", "pg02", "maint");
        Backend rebuilt = new Backend("replicas", backend("replicas", "pg02").server(), java.util.Optional.empty(),
                Instant.EPOCH, states.cell("replicas", "pg02"));
        assertThat(rebuilt.admin().state()).isEqualTo(AdminState.MAINT);
        assertThat(backend("primary", "pg02").admin().state()).as("another listener's pg02")
                .isEqualTo(AdminState.READY);
    }

    @Test
    void weightsAreSetAndReadAsHaproxyDoes() {
        assertThat(admin.setWeight("replicas", "pg01", "3")).isEmpty();
        assertThat(admin.getWeight("replicas", "pg01")).isEqualTo("3 (initial 1)");
        assertThat(admin.setWeight("primary", "pg01", "3"))
                .isEqualTo("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.");
        assertThat(admin.setWeight("primary", "pg01", "0")).isEmpty();
        assertThat(router("primary").pick()).as("weight 0 takes no new sessions").isEmpty();
        assertThat(reroutes).hasValue(2);
    }

    @Test
    void maxconnOfAServerAFrontendAndTheProxy() {
        assertThat(admin.setMaxconn("server", "primary/pg01", "5")).isEmpty();
        assertThat(backend("primary", "pg01").admission().limit()).isEqualTo(5);
        assertThat(admin.setMaxconn("server", "primary", "5")).isEqualTo("Require 'backend/server'.");
        assertThat(admin.setMaxconn("server", "primary/pg01", "5x")).isEqualTo("Trailing garbage in maxconn string");
        assertThat(admin.setMaxconn("server", "primary/pg01", "x"))
                .isEqualTo("maxconn string empty or preceded by garbage");
        assertThat(admin.setMaxconn("frontend", "replicas", "7")).isEmpty();
        assertThat(listeners.get(1).limit().limit()).isEqualTo(7);
        assertThat(admin.setMaxconn("frontend", "nope", "7")).isEqualTo("No such frontend.");
        assertThat(admin.setMaxconn("frontend", "replicas", "-1")).isEqualTo("Value out of range.");
        assertThat(admin.setMaxconn("global", null, "50")).isEmpty();
        assertThat(global.limit()).isEqualTo(50);
        assertThat(admin.setMaxconn("global", null, "101")).isEqualTo("Value out of range.");
        assertThat(admin.setMaxconn("global", null, "0")).isEmpty();
        assertThat(global.limit()).as("0 is the configured maxconn").isEqualTo(100);
        assertThat(admin.setMaxconn("global", null, "")).isEqualTo("Expects an integer value.");
    }

    @Test
    void disablingAFrontendHoldsItsClientsAndIsRememberedForTheNextConfiguration() {
        assertThat(admin.disableFrontend("primary")).isEmpty();
        assertThat(router("primary").pick()).isEmpty();
        assertThat(states.frontendDisabled("primary")).isTrue();
        assertThat(admin.disableFrontend("primary")).isEqualTo("All sockets are already disabled.");
        assertThat(admin.enableFrontend("primary")).isEmpty();
        assertThat(router("primary").pick()).isPresent();
        assertThat(admin.enableFrontend("primary")).isEqualTo("All sockets are already enabled.");
        assertThat(admin.disableFrontend("")).isEqualTo("Frontend name expected.");
        assertThat(admin.enableFrontend("nope")).isEqualTo("No such frontend.");
    }

    @Test
    void sessionsAreShutDownByIdOrByServer() {
        assertThat(admin.shutdownSession("")).isEqualTo("Session pointer expected (use 'show sess').");
        assertThat(admin.shutdownSession("42")).isEqualTo("No such session (use 'show sess').");
        assertThat(admin.shutdownSession("junk")).isEqualTo("No such session (use 'show sess').");
        AtomicInteger killed = new AtomicInteger();
        backend("replicas", "pg02").register(session(killed));
        assertThat(admin.shutdownSessions("replicas", "pg02")).isEmpty();
        assertThat(killed).hasValue(1);
        assertThat(admin.sessions()).isEmpty();
    }

    @Test
    void theStatsPagesActionsAreTheseCommands() {
        StatsPageAdmin page = new StatsPageAdmin(admin);
        AtomicInteger killed = new AtomicInteger();
        backend("replicas", "pg02").register(session(killed));

        assertThat(page.apply(StatsAdminActions.Action.MAINT, "primary", List.of("pg01", "pg09")))
                .containsExactly(entry("pg01", ""), entry("pg09", "No such server."));
        assertThat(backend("primary", "pg01").admin().state()).isEqualTo(AdminState.MAINT);
        assertThat(page.apply(StatsAdminActions.Action.DRAIN, "replicas", List.of("pg01"))).containsValue("");
        assertThat(backend("replicas", "pg01").admin().state()).isEqualTo(AdminState.DRAIN);
        assertThat(page.apply(StatsAdminActions.Action.READY, "primary", List.of("pg01"))).containsValue("");
        assertThat(backend("primary", "pg01").admin().state()).isEqualTo(AdminState.READY);
        assertThat(page.apply(StatsAdminActions.Action.SHUTDOWN, "replicas", List.of("pg02"))).containsValue("");
        assertThat(killed).hasValue(1);
        assertThat(page.apply(StatsAdminActions.Action.MAINT, "nope", List.of("pg01")))
                .containsExactly(entry("pg01", "No such backend."));
    }
}
