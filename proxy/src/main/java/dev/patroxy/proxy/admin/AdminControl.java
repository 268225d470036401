package dev.patroxy.proxy.admin;

import dev.patroxy.config.Balance;
import dev.patroxy.proxy.relay.ProxyListener;
import dev.patroxy.proxy.relay.SessionRegistry;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ServerAdmin;
import dev.patroxy.stats.AdminState;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime API's commands that change something, with HAProxy 2.6's answers and log lines. A command only
 * records what the operator asked for (in cells shared across reloads, see {@link AdminStates}) and asks for the
 * listeners to be routed again; the routing itself happens on each configuration's health-check thread, which also
 * cuts the sessions of a server put in MAINT once no new one can reach it. So no call here blocks or waits: the
 * runtime API may call it from an event loop. The answer says the command was taken, its effect follows within
 * moments (a server back from MAINT takes sessions after its next passing check).
 */
public final class AdminControl implements AdminActions {
    private static final Logger log = LoggerFactory.getLogger(AdminControl.class);
    /** What C's {@code atoi} reads: optional blanks and sign, then digits; the rest is ignored. */
    private static final Pattern LEADING_INTEGER = Pattern.compile("\\s*([+-]?\\d+).*", Pattern.DOTALL);
    /** What C's {@code strtol} reads, the rest kept to be refused. */
    private static final Pattern INTEGER_AND_REST = Pattern.compile("\\s*([+-]?\\d+)(.*)", Pattern.DOTALL);

    private final AdminStates states;
    private final Supplier<List<ProxyListener>> current;
    private final Supplier<List<ProxyListener>> all;
    private final Consumer<String> reroute;
    private final Admission globalLimit;
    private final int configuredGlobalMaxconn;
    private final SessionRegistry sessions;
    private final Clock clock;

    /**
     * @param current the listeners of the configuration in force
     * @param all those and the listeners of replaced configurations still draining, whose sessions commands cut too
     * @param reroute routes every configuration's listeners again, off the caller's thread, saying why
     * @param globalLimit the proxy-wide {@code maxconn}
     * @param configuredGlobalMaxconn the configured one, which {@code set maxconn global} may lower but not exceed
     * @param clock when a server left MAINT, for the check that must pass since
     */
    public AdminControl(AdminStates states, Supplier<List<ProxyListener>> current, Supplier<List<ProxyListener>> all,
            Consumer<String> reroute, Admission globalLimit, int configuredGlobalMaxconn, SessionRegistry sessions,
            Clock clock) {
        this.states = states;
        this.current = current;
        this.all = all;
        this.reroute = reroute;
        this.globalLimit = globalLimit;
        this.configuredGlobalMaxconn = configuredGlobalMaxconn;
        this.sessions = sessions;
        this.clock = clock;
    }

    /** A server of the configuration in force, or HAProxy's answer for the name that is not there. */
    private record Found(ProxyListener listener, Backend backend, String error) {
    }

    private Found find(String backend, String server) {
        Optional<ProxyListener> listener = listener(backend);
        if (listener.isEmpty()) {
            return new Found(null, null, "No such backend.");
        }
        return listener.get().router().backends().stream().filter(b -> b.server().name().equals(server)).findFirst()
                .map(b -> new Found(listener.get(), b, null))
                .orElseGet(() -> new Found(null, null, "No such server."));
    }

    private Optional<ProxyListener> listener(String name) {
        return current.get().stream().filter(l -> l.router().listener().name().equals(name)).findFirst();
    }

    @Override
    public String setServerState(String backend, String server, String state) {
        Found found = find(backend, server);
        if (found.error() != null) {
            return found.error();
        }
        AdminState next = switch (state == null ? "" : state) {
            case "ready" -> AdminState.READY;
            case "drain" -> AdminState.DRAIN;
            case "maint" -> AdminState.MAINT;
            default -> null;
        };
        if (next == null) {
            return "'set server <srv> state' expects 'ready', 'drain' and 'maint'.";
        }
        Backend b = found.backend();
        AtomicReference<ServerAdmin> before = new AtomicReference<>();
        b.updateAdmin(a -> {
            before.set(a);
            return a.state() == next ? a : a.withState(next, b.check().isPresent(), clock.instant());
        });
        Optional<String> line = AdminLog.transition(backend, server, before.get().state(), next,
                b.health().state().isUp(), otherServersTakingSessions(found), b.sessionCount(), b.admission().queued());
        line.ifPresent(text -> {
            if (next == AdminState.MAINT) {
                log.warn(text);
            } else {
                log.info(text);
            }
            reroute.accept(backend + "/" + server + " set to " + next);
        });
        return "";
    }

    private static long otherServersTakingSessions(Found found) {
        return found.listener().router().backends().stream().filter(o -> o != found.backend() && o.isRoutable())
                .count();
    }

    @Override
    public String setWeight(String backend, String server, String weight) {
        Found found = find(backend, server);
        if (found.error() != null) {
            return found.error();
        }
        Backend b = found.backend();
        boolean dynamic = found.listener().router().listener().balance() == Balance.ROUNDROBIN;
        WeightChange change = WeightChange.parse(weight, b.admin().initialWeight(), dynamic);
        if (change.error() != null) {
            return change.error();
        }
        ServerAdmin before = b.admin();
        if (b.updateAdmin(a -> a.withWeight(change.weight())).weight() != before.weight()) {
            log.info("{}/{}: weight set to {} (initial {})", backend, server, change.weight(), before.initialWeight());
            reroute.accept(backend + "/" + server + " weight " + change.weight());
        }
        return "";
    }

    @Override
    public String getWeight(String backend, String server) {
        Found found = find(backend, server);
        if (found.error() != null) {
            return found.error();
        }
        ServerAdmin a = found.backend().admin();
        return a.weight() + " (initial " + a.initialWeight() + ")";
    }

    @Override
    public String setMaxconn(String scope, String target, String value) {
        return switch (scope == null ? "" : scope) {
            case "server" -> setServerMaxconn(target, value);
            case "frontend" -> setFrontendMaxconn(target, value);
            case "global" -> setGlobalMaxconn(value);
            default -> "'set maxconn' only supports 'frontend', 'server', and 'global'.";
        };
    }

    private String setServerMaxconn(String target, String value) {
        int slash = target == null ? -1 : target.indexOf('/');
        if (slash < 0) {
            return "Require 'backend/server'.";
        }
        Found found = find(target.substring(0, slash), target.substring(slash + 1));
        if (found.error() != null) {
            return found.error();
        }
        if (value == null || value.isEmpty()) {
            return "Require <maxconn>.";
        }
        Matcher m = INTEGER_AND_REST.matcher(value);
        if (!m.matches()) {
            return "maxconn string empty or preceded by garbage";
        }
        if (!m.group(2).isEmpty()) {
            return "Trailing garbage in maxconn string";
        }
        OptionalInt limit = nonNegative(m.group(1));
        if (limit.isEmpty()) {
            return "Value out of range.";
        }
        found.backend().admission().setLimit(limit.getAsInt());
        log.info("{}: maxconn set to {}", found.backend(), limit.getAsInt());
        return "";
    }

    private String setFrontendMaxconn(String name, String value) {
        if (name == null || name.isEmpty()) {
            return "Frontend name expected.";
        }
        Optional<ProxyListener> listener = listener(name);
        if (listener.isEmpty()) {
            return "No such frontend.";
        }
        if (value == null || value.isEmpty()) {
            return "Integer value expected.";
        }
        OptionalInt limit = nonNegative(atoi(value));
        if (limit.isEmpty()) {
            return "Value out of range.";
        }
        listener.get().limit().setLimit(limit.getAsInt());
        listener.get().updateAccepting();
        log.info("frontend {}: maxconn set to {}", name, limit.getAsInt());
        return "";
    }

    private String setGlobalMaxconn(String value) {
        if (value == null || value.isEmpty()) {
            return "Expects an integer value.";
        }
        long v;
        try {
            v = Long.parseLong(atoi(value));
        } catch (NumberFormatException e) {
            v = atoi(value).startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        int hard = configuredGlobalMaxconn;
        if (hard > 0 && v > hard) {
            return "Value out of range.";
        }
        int limit = v <= 0 ? hard : (int) v;
        // The proxy's limit changes its listeners' accepting through its own fullness listener.
        globalLimit.setLimit(limit);
        log.info("global maxconn set to {}", limit);
        return "";
    }

    /** The digits {@code atoi} would read, "0" when there are none. */
    private static String atoi(String value) {
        Matcher m = LEADING_INTEGER.matcher(value);
        return m.matches() ? m.group(1) : "0";
    }

    private static OptionalInt nonNegative(String digits) {
        try {
            int v = Integer.parseInt(digits);
            return v < 0 ? OptionalInt.empty() : OptionalInt.of(v);
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    @Override
    public String disableFrontend(String frontend) {
        return setFrontendDisabled(frontend, true);
    }

    @Override
    public String enableFrontend(String frontend) {
        return setFrontendDisabled(frontend, false);
    }

    private String setFrontendDisabled(String name, boolean disabled) {
        if (name == null || name.isEmpty()) {
            return "Frontend name expected.";
        }
        Optional<ProxyListener> listener = listener(name);
        if (listener.isEmpty()) {
            return "No such frontend.";
        }
        if (!states.disableFrontend(name, disabled)) {
            return disabled ? "All sockets are already disabled." : "All sockets are already enabled.";
        }
        listener.get().router().disable(disabled);
        // HAProxy's words for a listen section (a "proxy"), then what they mean here.
        if (disabled) {
            log.warn("Paused proxy {}. New clients are held as when there is no primary, each up to timeout hold.",
                    name);
        } else {
            log.warn("Resumed proxy {}. Held clients go on.", name);
        }
        return "";
    }

    @Override
    public String shutdownSession(String id) {
        if (id == null || id.isEmpty()) {
            return "Session pointer expected (use 'show sess').";
        }
        long parsed;
        try {
            parsed = Long.decode(id);
        } catch (NumberFormatException e) {
            return "No such session (use 'show sess').";
        }
        if (!sessions.shutdown(parsed)) {
            return "No such session (use 'show sess').";
        }
        log.info("session {} shut down from the runtime API", parsed);
        return "";
    }

    @Override
    public String shutdownSessions(String backend, String server) {
        Found found = find(backend, server);
        if (found.error() != null) {
            return found.error();
        }
        int cut = 0;
        for (ProxyListener listener : all.get()) {
            if (!listener.router().listener().name().equals(backend)) {
                continue;
            }
            for (Backend b : listener.router().backends()) {
                if (b.server().name().equals(server)) {
                    cut += b.killSessions();
                }
            }
        }
        log.info("{}/{}: {} sessions shut down from the runtime API", backend, server, cut);
        return "";
    }

    @Override
    public List<SessionInfo> sessions() {
        return sessions.sessions();
    }
}
