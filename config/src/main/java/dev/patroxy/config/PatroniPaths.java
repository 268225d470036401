package dev.patroxy.config;

import java.util.Optional;
import java.util.Set;

/**
 * The Patroni REST endpoints that make sense as health checks. Patroni answers 503, not 404, to an unknown
 * path, so a typo would silently mark every server DOWN: refuse it when the config is read instead.
 */
public final class PatroniPaths {
    private static final Set<String> ROLE_AND_HEALTH = Set.of(
            "/", "/primary", "/master", "/read-write", "/leader", "/standby-leader", "/standby_leader",
            "/replica", "/read-only", "/read-only-sync", "/sync", "/synchronous", "/async", "/asynchronous",
            "/quorum", "/read-only-quorum", "/health");
    /** Patroni serves these to GET only; HEAD and OPTIONS get 503 whatever the node's state. */
    private static final Set<String> GET_ONLY = Set.of("/liveness", "/readiness");

    private PatroniPaths() {
    }

    static void validate(ConfigNode at, String method, String pathAndQuery) throws ConfigException {
        Optional<String> problem = problem(method, pathAndQuery);
        if (problem.isPresent()) {
            throw at.error(problem.get());
        }
    }

    /** Why {@code method pathAndQuery} is no health check patroxy takes, or empty when it is one. */
    public static Optional<String> problem(String method, String pathAndQuery) {
        String path = pathAndQuery.split("\\?", 2)[0];
        if (GET_ONLY.contains(path)) {
            return method.equals("GET") ? Optional.empty() : Optional.of("Patroni answers " + path + " to GET only; "
                    + method + " would always get 503 and mark every server DOWN");
        }
        if (!ROLE_AND_HEALTH.contains(path)) {
            return Optional.of("'" + pathAndQuery + "' is not a Patroni health endpoint (Patroni answers 503 to"
                    + " unknown paths, which would mark every server DOWN); expected one of /primary, /replica,"
                    + " /leader, /read-only, /sync, /async, /health, /liveness, /readiness");
        }
        return Optional.empty();
    }
}
